"""Daily reports (DESIGN §4): imported, posted, computed from the line list, reconciled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import resident_id
from warroom.cases import services as cases
from warroom.core.context import SYSTEM
from warroom.surveillance.models import DailyReport, Source
from warroom.surveillance.services import (
    do_compute_daily_aggregates,
    do_import_daily_reports,
    reconcile,
)
from warroom.tables import TableRejected, read_table

pytestmark = pytest.mark.django_db
HEADER_ZH = (
    "日期,区划编码,新增确诊,新增疑似,新增发热,新增密接,新增死亡,新增出院,"
    "累计确诊,累计死亡,累计出院,在院治疗,重症,危重症"
)


def test_a_gbk_report_keeps_unknown_cells_empty_and_a_correction_updates(city, officer):
    day = timezone.localdate().isoformat()
    text = f"{HEADER_ZH}\n{day},990101,3,,1,,0,,10,,,,,\n"
    result = do_import_daily_reports(
        read_table(text.encode("gbk"), filename="d.csv"), actor=officer
    )
    assert (result.created, result.updated) == (1, 0)
    row = DailyReport.objects.get()
    assert (row.new_confirmed, row.new_suspected, row.new_deaths, row.cum_confirmed) == (
        3,
        None,
        0,
        10,
    )
    assert do_import_daily_reports(
        read_table(text.encode("gbk"), filename="d.csv"), actor=officer
    ).already_imported
    fixed = text.replace(",3,", ",4,")
    again = do_import_daily_reports(read_table(fixed.encode(), filename="e.csv"), actor=officer)
    assert (again.created, again.updated) == (0, 1)
    assert DailyReport.objects.get().new_confirmed == 4


def test_bad_rows_refuse_the_file(city, officer):
    day = timezone.localdate()
    text = (
        "date,area_code,new_confirmed\n"
        f"{day},990101,1\n{day},990101,2\n{day},nowhere,1\n"
        f"{day + dt.timedelta(days=1)},990101,1\n{day},990101001,-1\n"
        f"{day},990101001001,10000000000\n"
    )
    with pytest.raises(TableRejected) as caught:
        do_import_daily_reports(read_table(text.encode(), filename="x.csv"), actor=officer)
    assert {(e.row, e.column) for e in caught.value.errors} == {
        (5, "date"),
        (6, "new_confirmed"),
        (7, "new_confirmed"),
    }
    assert not DailyReport.objects.exists()
    text = f"date,area_code,new_confirmed\n{day},990101,1\n{day},990101,2\n{day},nowhere,1\n"
    with pytest.raises(TableRejected) as caught:
        do_import_daily_reports(read_table(text.encode(), filename="y.csv"), actor=officer)
    assert {(e.row, e.column) for e in caught.value.errors} == {(3, "area_code"), (4, "area_code")}


def test_line_list_figures_roll_up_and_reconcile_with_a_report(city, officer):
    today = timezone.localdate()
    for n, category in enumerate(["confirmed", "confirmed", "suspected", "contact"], start=1):
        cases.do_register_person(
            name=f"p{n}",
            home=city["990101001001001"],
            actor=officer,
            id_number=resident_id(n),
            category=category,
        )
    do_compute_daily_aggregates(today, actor=officer)
    do_compute_daily_aggregates(today, actor=officer)  # idempotent
    district = DailyReport.objects.get(area=city["990101"], source=Source.LINE_LIST)
    assert (district.new_confirmed, district.new_suspected, district.new_contacts) == (2, 1, 1)
    assert (district.cum_confirmed, district.under_treatment, district.new_deaths) == (2, 2, 0)
    assert DailyReport.objects.filter(source=Source.LINE_LIST, date=today).count() == 5
    text = f"date,area_code,new_confirmed,new_suspected\n{today},990101,3,1\n"
    do_import_daily_reports(read_table(text.encode(), filename="r.csv"), actor=officer)
    (diff,) = reconcile(today)
    assert (diff.area_code, diff.figure, diff.reported, diff.line_list) == (
        "990101",
        "new_confirmed",
        3,
        2,
    )


def test_posting_reports_is_idempotent_by_key(city, officer, client):
    from warroom.accounts.services import do_create_token

    _, token = do_create_token(officer, name="district system", actor=SYSTEM)
    body = [{"date": timezone.localdate().isoformat(), "area_code": "990101", "new_confirmed": 5}]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": "r1"}
    first = client.post(
        "/api/surveillance/reports", body, content_type="application/json", **headers
    )
    assert first.status_code == 200 and first.json()["created"] == 1
    again = client.post(
        "/api/surveillance/reports", body, content_type="application/json", **headers
    )
    assert again.json()["already_imported"] is True
    listing = client.get("/api/surveillance/reports", HTTP_AUTHORIZATION=f"Bearer {token}")
    (item,) = listing.json()["items"]
    assert item["new_confirmed"] == 5 and item["new_suspected"] is None


def test_the_page_imports_a_file_and_shows_unknown_cells_empty(city, officer, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    day = timezone.localdate().isoformat()
    upload = SimpleUploadedFile(
        "d.csv", f"{HEADER_ZH}\n{day},990101,7,,,,,,,,,,,\n".encode("gbk"), "text/csv"
    )
    client.force_login(officer)
    response = client.post("/surveillance/", {"file": upload}, follow=True)
    html = response.content.decode()
    assert "新增确诊" in html and '<td class="num">7</td>' in html
    assert DailyReport.objects.get().new_suspected is None


def _line_list_rows(day: dt.date) -> dict[int, tuple]:
    from warroom.surveillance.models import FIGURES

    return {
        area_id: tuple(rest)
        for area_id, *rest in DailyReport.objects.filter(
            source=Source.LINE_LIST, date=day
        ).values_list("area_id", *FIGURES)
    }


@pytest.mark.parametrize("seed", range(4))
def test_a_recompute_writes_only_the_rows_that_differ_and_ends_as_a_fresh_one(city, officer, seed):
    """The day's line-list rows, tampered with (a figure changed, a row deleted, a row
    for an area without any figure added), are brought back to what a computation from
    nothing stores; a re-run that finds the same figures writes nothing."""
    import random

    from warroom.surveillance.models import FIGURES

    rng = random.Random(seed)
    today = timezone.localdate()
    homes = rng.sample([a for a in city.values() if a.level == "compound"], 2)
    for n in range(6):
        cases.do_register_person(
            name=f"p{n}",
            home=rng.choice(homes),
            actor=officer,
            id_number=resident_id(n + 1),
            category=rng.choice(["confirmed", "suspected", "contact", "febrile"]),
        )
    do_compute_daily_aggregates(today, actor=officer)
    fresh = _line_list_rows(today)
    stamps = dict(
        DailyReport.objects.filter(source=Source.LINE_LIST).values_list("pk", "updated_at")
    )
    do_compute_daily_aggregates(today, actor=officer)  # the same figures: no row written
    assert stamps == dict(
        DailyReport.objects.filter(source=Source.LINE_LIST).values_list("pk", "updated_at")
    )
    rows = list(DailyReport.objects.filter(source=Source.LINE_LIST, date=today))
    changed = rng.choice(rows)
    setattr(changed, rng.choice(FIGURES), rng.choice([None, 0, 7]))
    changed.save()
    deleted = rng.choice([r for r in rows if r.pk != changed.pk])
    deleted.delete()
    empty = next(a for a in city.values() if a.pk not in fresh)
    DailyReport.objects.create(
        area=empty, date=today, source=Source.LINE_LIST, new_confirmed=rng.randint(1, 5)
    )
    kept = {r.pk for r in rows if r.pk not in (changed.pk, deleted.pk)}
    before = dict(DailyReport.objects.filter(pk__in=kept).values_list("pk", "updated_at"))
    do_compute_daily_aggregates(today, actor=officer)
    assert _line_list_rows(today) == fresh
    assert before == dict(DailyReport.objects.filter(pk__in=kept).values_list("pk", "updated_at"))
    assert DailyReport.objects.filter(pk=changed.pk).exists()  # updated where it was


def test_line_list_figures_leave_out_merged_people(city, officer):
    """A merged person's steps count nowhere (on PostgreSQL the homes are looked up per
    step, a merged person's home NULL and dropped; elsewhere a join leaves him out)."""
    from warroom.cases.models import Person
    from warroom.surveillance.services import line_list_figures

    today = timezone.localdate()
    people = [
        cases.do_register_person(
            name=f"m{n}",
            home=city[home],
            actor=officer,
            id_number=resident_id(40 + n),
            category="confirmed",
        )
        for n, home in enumerate(["990101001001001", "990101001001001", "990101001001002"])
    ]
    ids, values, names = line_list_figures(today)
    col = names.index("new_confirmed")
    at = {int(pk): row for pk, row in zip(ids, values, strict=True)}
    assert at[city["990101"].pk][col] == 3
    Person.objects.filter(pk=people[1].pk).update(merged_into=people[0])
    Person.objects.filter(pk=people[2].pk).update(merged_into=people[0])
    ids, values, names = line_list_figures(today)
    at = {int(pk): row for pk, row in zip(ids, values, strict=True)}
    assert at[city["990101"].pk][col] == 1
    assert at[city["990101001001001"].pk][col] == 1
    assert at[city["990101001001002"].pk][col] == 0
