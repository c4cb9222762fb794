"""The inspection import: a file of the day's sheets, held to the rules of one inspection,
all or nothing, idempotent; failed items open tasks; the certification sees the result."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from tests.conftest import _user, pass_six_in_place
from warroom.audit.models import AuditEntry
from warroom.communities.facts import CaseFacts
from warroom.communities.imports import do_import_inspections
from warroom.communities.models import (
    Certification,
    CertificationStatus,
    Inspection,
    InspectionResult,
)
from warroom.communities.services import do_recompute_certification
from warroom.core.context import SYSTEM
from warroom.core.errors import Forbidden
from warroom.core.models import ImportBatch
from warroom.tables import TableRejected, read_table
from warroom.tasks.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

VICTIM = "990101001001001"
A2 = "990101001001002"
B1 = "990102001001001"  # District B: outside the inspector's street
COMMUNITY = "990101001001"


def day(n: int) -> str:
    """The date ``n`` days ago, as a sheet writes it."""
    return (timezone.localdate() - dt.timedelta(days=n)).isoformat()


def csv_bytes(rows: list[list[str]], header: list[str] | None = None, encoding="utf-8") -> bytes:
    header = header or ["area_code", "date", "kind", "failed_items", "owner", "deadline", "note"]
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def imported(data: bytes, actor, filename: str = "sheet.csv"):
    return do_import_inspections(read_table(data, filename=filename), actor=actor)


def refused(data: bytes, actor) -> dict[tuple[int, str], str]:
    with pytest.raises(TableRejected) as exc:
        imported(data, actor)
    return {(e.row, e.column): e.reason for e in exc.value.errors}


def nothing_written() -> bool:
    return not (
        Inspection.objects.exists()
        or InspectionResult.objects.exists()
        or Task.objects.exists()
        or ImportBatch.objects.filter(kind="communities-inspections").exists()
    )


def test_a_good_file_writes_inspections_results_one_task_per_failed_item_and_one_audit_entry(
    city, inspector, grid_worker
):
    data = csv_bytes(
        [
            [VICTIM, day(1), "six_in_place", "pub;sup", "grid_a", "", "posters missing"],
            [A2, day(1), "", "", "", "", ""],
        ]
    )
    result = imported(data, inspector)
    assert (result.kind, result.rows, result.inspections, result.tasks) == (
        "communities-inspections",
        2,
        2,
        2,
    )
    assert not result.duplicate and len(result.sha256) == 64
    victim = Inspection.objects.get(area__code=VICTIM)
    assert not victim.passed and victim.note == "posters missing"
    assert victim.inspector == inspector and victim.inspector_level == "street"
    assert Inspection.objects.get(area__code=A2).passed
    assert InspectionResult.objects.count() == 12
    failed = InspectionResult.objects.filter(passed=False)
    assert {r.item.code for r in failed} == {"pub", "sup"}
    assert all(r.inspection_id == victim.pk for r in failed)
    tasks = Task.objects.order_by("pk")
    assert [t.owner for t in tasks] == [grid_worker, grid_worker]
    assert {t.source for t in tasks} == set(failed)
    assert all(t.area.code == VICTIM and t.source_kind == "inspection" for t in tasks)
    # The default deadline: three days after the inspection.
    deadline = timezone.localdate() - dt.timedelta(days=1) + dt.timedelta(days=3)
    assert all(timezone.localdate(t.deadline) == deadline for t in tasks)
    assert "宣传到位" in tasks[0].title or "Rectify" in tasks[0].title
    batch = AuditEntry.objects.filter(object_type="communities.inspection", action="import")
    assert batch.count() == 1 and result.sha256 in batch.get().after
    assert not AuditEntry.objects.filter(object_type="communities.inspectionresult").exists()


def _excel(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


CHINESE = ["区域编码", "检查日期", "检查类型", "未通过项", "整改责任人", "整改期限", "备注"]


@pytest.mark.parametrize("form", ["utf-8-bom", "gbk", "excel"])
def test_chinese_headers_and_labels_in_every_encoding_and_excel(city, inspector, grid_worker, form):
    rows = [
        [VICTIM, day(2), "六个到位", "pub；dis", "grid_a", day(0), "门岗"],
        [VICTIM, day(2), "四严", "", "", "", ""],
        [A2, day(2), "", "", "", "", ""],
    ]
    if form == "excel":  # codes as numbers, as a spreadsheet keeps them
        cells = [[int(r[0]), float(r[0]), r[0]][i] for i, r in enumerate(rows)]
        data = _excel([CHINESE, *[[c, *r[1:]] for c, r in zip(cells, rows, strict=True)]])
        name = "sheet.xlsx"
    else:
        encoding = "utf-8-sig" if form == "utf-8-bom" else "gbk"
        data, name = csv_bytes(rows, CHINESE, encoding), "sheet.csv"
    result = imported(data, inspector, filename=name)
    assert (result.inspections, result.tasks) == (3, 2)
    kinds = sorted(Inspection.objects.filter(area__code=VICTIM).values_list("kind", flat=True))
    assert kinds == ["four_strict", "six_in_place"]
    assert InspectionResult.objects.count() == 6 + 8 + 6
    assert Inspection.objects.get(kind="six_in_place", area__code=VICTIM).note == "门岗"
    assert {timezone.localdate(t.deadline) for t in Task.objects.all()} == {timezone.localdate()}


def test_every_bad_row_is_reported_with_its_row_and_column_and_nothing_is_written(
    city, inspector, grid_worker
):
    _user("grid_a2", "grid_worker", A2)  # may not take the victim's rectification
    rows = [
        ["nope", day(1), "", "", "", "", ""],  # 2
        [B1, day(1), "", "", "", "", ""],  # 3: another district's compound
        [COMMUNITY, day(1), "", "", "", "", ""],  # 4: not a compound
        [VICTIM, (timezone.localdate() + dt.timedelta(days=1)).isoformat(), "", "", "", "", ""],
        [VICTIM, day(2), "bogus", "", "", "", ""],  # 6
        [VICTIM, day(3), "", "pub;xyz", "grid_a", "", ""],  # 7
        [VICTIM, day(4), "", "pub", "", "", ""],  # 8
        [VICTIM, day(5), "", "pub", "ghost", "", ""],  # 9
        [VICTIM, day(6), "", "pub", "grid_a", day(7), ""],  # 10
        [VICTIM, day(8), "", "", "", "", ""],  # 11
        [VICTIM, day(8), "six_in_place", "", "", "", ""],  # 12: row 11 again
        [VICTIM, day(9), "", "clo", "grid_a2", "", ""],  # 13
    ]
    errors = refused(csv_bytes(rows), inspector)
    assert errors == {
        (2, "area_code"): "Area not found.",
        (3, "area_code"): "Area not found.",
        (4, "area_code"): "Only compounds are inspected.",
        (5, "date"): f"The inspection date {rows[3][1]} is in the future.",
        (6, "kind"): "Unknown checklist kind bogus.",
        (7, "failed_items"): "Unknown items of the checklist: xyz.",
        (8, "owner"): "A failed item needs an owner for its rectification.",
        (9, "owner"): "Unknown user ghost.",
        (10, "deadline"): "The rectification deadline is before the inspection.",
        (12, "area_code"): "The same compound, date and kind as row 11.",
        (13, "owner"): "The owner's jurisdiction does not cover this area.",
    }
    assert nothing_written()


def test_the_reported_values_are_the_cells(city, inspector):
    with pytest.raises(TableRejected) as exc:
        imported(csv_bytes([[VICTIM, day(1), "", "pub;xyz", "ghost", "", ""]]), inspector)
    shown = {e.column: e.value for e in exc.value.errors}
    assert shown == {"failed_items": "pub;xyz", "owner": "ghost"}


def test_unreadable_cells_and_missing_required_ones_are_refused_by_the_table_reader(
    city, inspector
):
    errors = refused(
        csv_bytes([[VICTIM, "2020-13-01", "", "", "", "", ""], ["", day(1)]]), inspector
    )
    assert set(errors) == {(2, "date"), (3, "area_code")}
    assert nothing_written()


def test_who_may_not_inspect_is_refused_for_the_whole_file(city, grid_worker, analyst):
    data = csv_bytes([[VICTIM, day(1), "", "", "", "", ""]])
    for who in (grid_worker, analyst, None):
        with pytest.raises(Forbidden):
            imported(data, who)
    assert nothing_written()


def test_the_same_file_twice_adds_nothing(city, inspector, grid_worker):
    data = csv_bytes(
        [[VICTIM, day(1), "", "org", "grid_a", "", ""], [A2, day(1), "", "", "", "", ""]]
    )
    first = imported(data, inspector)
    again = imported(data, inspector)
    assert again.duplicate and again.sha256 == first.sha256
    assert (again.inspections, again.tasks) == (0, 0)
    assert Inspection.objects.count() == 2 and Task.objects.count() == 1
    assert ImportBatch.objects.filter(kind="communities-inspections").count() == 1
    assert AuditEntry.objects.filter(object_type="communities.inspection").count() == 1


def test_an_inspection_already_recorded_is_refused_from_another_file(city, inspector):
    pass_six_in_place(city[VICTIM], inspector, timezone.localdate() - dt.timedelta(days=1))
    data = csv_bytes([[A2, day(1), "", "", "", "", ""], [VICTIM, day(1), "", "", "", "", ""]])
    errors = refused(data, inspector)
    assert list(errors) == [(3, "area_code")]
    assert "already has an inspection of this kind on this date" in errors[(3, "area_code")]
    assert Inspection.objects.count() == 1
    # Another kind on the same day is another inspection.
    imported(csv_bytes([[VICTIM, day(1), "four_strict", "", "", "", ""]]), inspector)
    assert Inspection.objects.count() == 2


def test_a_compound_with_14_clean_days_is_certified_once_its_inspection_is_imported(
    city, hq, inspector, case_facts
):
    today = timezone.localdate()
    case_facts[city[VICTIM].pk] = CaseFacts(today - dt.timedelta(days=14), 0, 0)
    do_recompute_certification(today, actor=hq)
    row = CertificationStatus.objects.get(area__code=VICTIM, date=today)
    assert row.status == Certification.NOT_CERTIFIED and row.reasons == {"not_inspected": True}

    imported(csv_bytes([[VICTIM, day(1), "六个到位", "", "", "", ""]]), inspector)
    do_recompute_certification(today, actor=hq)
    row = CertificationStatus.objects.get(area__code=VICTIM, date=today)
    assert row.status == Certification.CERTIFIED


def test_a_failed_imported_inspection_keeps_the_compound_uncertified(
    city, hq, inspector, grid_worker, case_facts
):
    today = timezone.localdate()
    case_facts[city[VICTIM].pk] = CaseFacts(today - dt.timedelta(days=20), 0, 0)
    imported(csv_bytes([[VICTIM, day(1), "", "scr", "grid_a", "", ""]]), inspector)
    do_recompute_certification(today, actor=hq)
    row = CertificationStatus.objects.get(area__code=VICTIM, date=today)
    assert row.status == Certification.NOT_CERTIFIED


# --- the surfaces ---------------------------------------------------------------------


EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _token(user) -> dict[str, str]:
    from warroom.accounts.services import do_create_token

    _, token = do_create_token(user, name="t", actor=SYSTEM)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", **EN}


def _upload(data: bytes, name: str = "sheet.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_the_api_imports_a_file_and_answers_bad_rows_as_json(client, city, inspector, grid_worker):
    url = "/api/communities/inspections/import"
    good = csv_bytes([[VICTIM, day(1), "", "pub", "grid_a", "", ""]])
    r = client.post(url, {"file": _upload(good)}, **_token(inspector))
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["inspections"], body["tasks"], body["duplicate"]) == (1, 1, False)
    r = client.post(url, {"file": _upload(good)}, **_token(inspector))
    assert r.json()["duplicate"] is True and Inspection.objects.count() == 1

    bad = csv_bytes([[B1, day(1), "", "", "", "", ""]])
    r = client.post(url, {"file": _upload(bad)}, **_token(inspector))
    assert r.status_code == 422 and r.json()["code"] == "rejected"
    assert r.json()["errors"] == [
        {
            "row": 2,
            "column": "area_code",
            "value": B1,
            "reason": "Area not found.",
            "reason_words": {"id": "Area not found."},  # (a known sentence: its words)
        }
    ]
    r = client.post(url, {"file": _upload(good)}, **_token(grid_worker))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_another_districts_officer_cannot_import_into_district_a(client, city, outsider):
    data = csv_bytes([[VICTIM, day(1), "", "", "", "", ""]])
    r = client.post(
        "/api/communities/inspections/import", {"file": _upload(data)}, **_token(outsider)
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["reason"] == "Area not found."
    assert "受害小区" not in r.content.decode()
    assert not Inspection.objects.exists()


def test_the_upload_page_imports_shows_errors_and_offers_the_template(
    client, city, inspector, grid_worker
):
    client.force_login(inspector)
    page = client.get("/communities/inspections/import/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/communities/inspections/template.xlsx" in html and 'type="file"' in html
    assert (
        "/communities/inspections/import/"
        in client.get("/communities/inspections/").content.decode()
    )

    bad = csv_bytes([[VICTIM, day(1), "", "pub", "", "", ""], ["nope", day(1), "", "", "", "", ""]])
    r = client.post("/communities/inspections/import/", {"file": _upload(bad)}, **EN)
    assert r.status_code == 422
    html = r.content.decode()
    assert 'data-testid="import-errors"' in html
    assert "A failed item needs an owner for its rectification." in html and "nope" in html
    assert not Inspection.objects.exists()

    good = csv_bytes([[VICTIM, day(1), "", "pub", "grid_a", "", ""]])
    r = client.post("/communities/inspections/import/", {"file": _upload(good)}, follow=True, **EN)
    assert r.redirect_chain[-1][0] == "/communities/inspections/"
    assert "Imported 1 inspections; 1 rectification tasks opened." in r.content.decode()
    assert Inspection.objects.count() == 1 and Task.objects.count() == 1

    template = client.get("/communities/inspections/template.xlsx")
    assert template.status_code == 200
    header = [c.value for c in load_workbook(io.BytesIO(template.content)).active[1]]
    assert header == CHINESE


def test_the_upload_page_refuses_who_may_not_inspect(client, city, grid_worker):
    client.force_login(grid_worker)
    data = csv_bytes([[VICTIM, day(1), "", "", "", "", ""]])
    r = client.post("/communities/inspections/import/", {"file": _upload(data)}, **EN)
    assert r.status_code == 422
    assert "inspections are done by inspectors" in r.content.decode()
    assert not Inspection.objects.exists()


def test_the_cli_imports_as_an_inspector_and_writes_the_template(city, inspector, tmp_path):
    from warroom.cli import app

    out = tmp_path / "t.xlsx"
    assert CliRunner().invoke(app, ["communities", "template", str(out)]).exit_code == 0
    assert [c.value for c in load_workbook(out).active[1]] == CHINESE
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["nope", day(1), "", "", "", "", ""]]))
    result = CliRunner().invoke(app, ["communities", "import", str(bad), "--as", "inspector_a1"])
    assert result.exit_code == 2 and "Area not found." in result.output
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([[VICTIM, day(1), "", "", "", "", ""]]))
    args = ["communities", "import", str(good), "--as", "inspector_a1"]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert "already imported" in CliRunner().invoke(app, args).output
    assert Inspection.objects.count() == 1
