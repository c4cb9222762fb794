"""Line list and lab results in bulk: GBK, Chinese headers, all or nothing, idempotent."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from tests.conftest import resident_id
from warroom.audit.models import AuditEntry
from warroom.cases.imports import do_import_line_list, do_import_results
from warroom.cases.models import ContactLink, Person, Sample, TransitionRecord
from warroom.cases.states import Status
from warroom.core.context import SYSTEM
from warroom.core.models import ImportBatch
from warroom.tables import TableRejected, read_table

pytestmark = pytest.mark.django_db

A1, A2 = "990101001001001", "990101001001002"
HEADER_ZH = (
    "姓名,证件号码,联系电话,住址小区编码,类别,报告时间,病情,指示病例证件号码,暴露日期,接触场所"
)


def when(hours_ago: float) -> str:
    return (timezone.localtime() - dt.timedelta(hours=hours_ago)).strftime("%Y-%m-%d %H:%M")


def line_list(rows: list[str], header: str = HEADER_ZH) -> str:
    return "\n".join([header, *rows]) + "\n"


def scenario() -> str:
    return line_list(
        [
            f"张三,{resident_id(1)},13812345678,{A1},确诊,{when(30)},重型,,,",
            f"李四,{resident_id(2)},,{A1},密接,{when(29)},,{resident_id(1)},{dt.date.today()},家庭",
            f"王五,{resident_id(3)},,{A2},疑似,{when(20)},,,,",
            f"赵六,{resident_id(4)},,{A2},发热,{when(10)},,,,",
            f"王五,{resident_id(3)},,{A2},确诊,{when(5)},轻型,,,",
        ]
    )


def test_a_gbk_file_with_chinese_headers_imports_people_steps_and_contacts(city, officer):
    data = scenario().encode("gbk")
    result = do_import_line_list(read_table(data, filename="cases.csv"), actor=officer)
    assert (result.rows, result.created, result.already_imported) == (5, 4, False)
    by_name = {p.name: p for p in Person.objects.all()}
    assert by_name["张三"].status == Status.CONFIRMED and by_name["张三"].severity == "severe"
    assert by_name["李四"].status == Status.CONTACT
    assert by_name["王五"].status == Status.CONFIRMED  # suspected, then confirmed
    assert by_name["赵六"].status == Status.FEBRILE and by_name["赵六"].next_test_due
    assert ContactLink.objects.get().case == by_name["张三"]
    assert TransitionRecord.objects.count() == 5
    assert by_name["张三"].birth_date == dt.date(1980, 1, 1)
    # One audit entry for the batch (row count and file hash), not one per person.
    entries = AuditEntry.objects.filter(object_type="cases.person")
    assert [(e.action, json.loads(e.after)["rows"]) for e in entries] == [("import", 5)]


def test_the_same_file_twice_adds_nothing(city, officer):
    data = scenario().encode("utf-8-sig")
    do_import_line_list(read_table(data, filename="a.csv"), actor=officer)
    counts = (Person.objects.count(), TransitionRecord.objects.count(), ContactLink.objects.count())
    again = do_import_line_list(read_table(data, filename="again.csv"), actor=officer)
    assert again.already_imported and again.created == 0
    assert counts == (
        Person.objects.count(),
        TransitionRecord.objects.count(),
        ContactLink.objects.count(),
    )
    assert ImportBatch.objects.filter(kind="cases-line-list").count() == 1


def test_a_batch_with_one_bad_row_adds_nothing_and_names_the_row(city, officer):
    bad_id = resident_id(7)[:-1] + ("0" if resident_id(7)[-1] != "0" else "1")
    text = line_list(
        [
            f"张三,{resident_id(1)},,{A1},确诊,{when(3)},,,,",
            f"李四,{resident_id(2)},,{A1},疑似,{when(3)},,,,",
            f"坏行,{bad_id},,{A1},疑似,{when(3)},,,,",
            f"钱七,{resident_id(8)},,999999,疑似,{when(3)},,,,",
        ]
    )
    with pytest.raises(TableRejected) as caught:
        do_import_line_list(read_table(text.encode(), filename="bad.csv"), actor=officer)
    problems = {(e.row, e.column) for e in caught.value.errors}
    assert problems == {(4, "id_number"), (5, "home_code")}
    assert "check digit" in str(caught.value)
    assert not Person.objects.exists()
    assert not ImportBatch.objects.filter(kind="cases-line-list").exists()


def test_an_illegal_step_in_the_file_is_a_row_error(city, officer):
    text = line_list(
        [
            f"张三,{resident_id(1)},,{A1},确诊,{when(5)},,,,",
            f"张三,{resident_id(1)},,{A1},发热,{when(4)},,,,",
        ]
    )
    with pytest.raises(TableRejected) as caught:
        do_import_line_list(read_table(text.encode(), filename="x.csv"), actor=officer)
    (error,) = caught.value.errors
    assert (error.row, error.column) == (3, "category")
    assert "confirmed" in error.reason and "admitted" in error.reason
    assert not Person.objects.exists()


def test_an_officer_cannot_import_into_another_district(city, outsider):
    text = line_list([f"张三,{resident_id(1)},,{A1},确诊,{when(5)},,,,"])
    with pytest.raises(TableRejected, match="outside your area"):
        do_import_line_list(read_table(text.encode(), filename="x.csv"), actor=outsider)


RESULT_HEADER = "证件号码,检测机构,样本编号,检测类型,采样时间,报告时间,检测结果"


def test_results_move_people_and_the_same_results_twice_add_nothing(city, officer):
    do_import_line_list(read_table(scenario().encode(), filename="a.csv"), actor=officer)
    text = "\n".join(
        [
            RESULT_HEADER,
            f"{resident_id(4)},金银潭实验室,S1,核酸,{when(9)},{when(8)},阳性",
            f"{resident_id(2)},金银潭实验室,S2,核酸,{when(9)},,",
        ]
    )
    data = text.encode("gbk")
    result = do_import_results(read_table(data, filename="r.csv"), actor=officer)
    assert (result.created, result.transitions) == (2, 3)  # tested, suspected, confirmed
    zhao = Person.objects.get(name="赵六")
    assert zhao.status == Status.CONFIRMED
    assert Sample.objects.get(code="S2").result == ""
    again = do_import_results(read_table(data, filename="r2.csv"), actor=officer)
    assert again.already_imported and Sample.objects.count() == 2
    # A later file reports the pending sample's result.
    later = "\n".join(
        [RESULT_HEADER, f"{resident_id(2)},金银潭实验室,S2,核酸,{when(9)},{when(1)},阴性"]
    )
    res = do_import_results(read_table(later.encode(), filename="r3.csv"), actor=officer)
    assert (res.created, res.updated) == (0, 1)
    assert Sample.objects.get(code="S2").result == "negative"


def test_an_exception_after_half_the_rows_leaves_nothing_and_the_rerun_completes(
    city, officer, monkeypatch
):
    rows = [
        f"人{i},{resident_id(100 + i)},,{A1 if i % 2 else A2},疑似,{when(2)},,,," for i in range(40)
    ]
    data = line_list(rows).encode()
    from warroom.cases import imports

    original = imports.insert_rows

    def explode(model, objs, names):
        original(model, objs[: len(objs) // 2], names)  # half the rows are written...
        raise RuntimeError("the process died half-way")  # ...then the import dies

    monkeypatch.setattr(imports, "insert_rows", explode)
    with pytest.raises(RuntimeError):
        do_import_line_list(read_table(data, filename="big.csv"), actor=officer)
    assert not Person.objects.exists() and not TransitionRecord.objects.exists()
    monkeypatch.undo()
    result = do_import_line_list(read_table(data, filename="big.csv"), actor=officer)
    assert result.created == 40 and Person.objects.count() == 40
    assert TransitionRecord.objects.count() == 40


def test_api_batches_are_all_or_nothing_and_idempotent_by_key(city, officer, client):
    from warroom.accounts.services import do_create_token

    _, token = do_create_token(officer, name="fever clinic", actor=SYSTEM)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    rows = [
        {
            "name": "发热者",
            "home_code": A1,
            "category": "febrile",
            "reported_at": timezone.now().isoformat(),
            "id_number": resident_id(50),
        }
    ]
    url = "/api/cases/line-list"
    first = client.post(
        url, rows, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **auth
    )
    assert first.status_code == 200, first.content
    assert first.json()["created"] == 1 and not first.json()["already_imported"]
    retry = client.post(
        url, rows, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **auth
    )
    assert retry.json()["already_imported"] and Person.objects.count() == 1
    bad = [dict(rows[0], id_number=resident_id(51)), dict(rows[0], home_code="nowhere")]
    refused = client.post(
        url, bad, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2", **auth
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {
            "row": 3,
            "column": "home_code",
            "value": "nowhere",
            "reason": "no compound or village with this code",
            "reason_words": None,  # (a pure English reason: translated by its pattern)
        }
    ]
    assert Person.objects.count() == 1


def test_hospitals_report_admissions_and_discharges_with_the_status_column(city, officer):
    header = "姓名,证件号码,住址小区编码,类别,报告时间,病情,状态,收治或隔离机构"
    first = line_list(
        [
            f"张三,{resident_id(1)},{A1},确诊,{when(30)},危重型,已收治,金银潭医院",
            f"李四,{resident_id(2)},{A1},确诊,{when(30)},,,",
            f"王五,{resident_id(3)},{A2},密接,{when(30)},,已隔离,隔离点一",
        ],
        header,
    )
    do_import_line_list(read_table(first.encode("gbk"), filename="h1.csv"), actor=officer)
    zhang = Person.objects.get(name="张三")
    assert (zhang.status, zhang.facility, zhang.severity) == ("admitted", "金银潭医院", "critical")
    assert Person.objects.get(name="王五").status == "quarantined"
    later = line_list(
        [
            f"张三,{resident_id(1)},{A1},确诊,{when(2)},,出院,",
            f"王五,{resident_id(3)},{A2},密接,{when(2)},,出院,",
        ],
        header,
    )
    with pytest.raises(TableRejected) as caught:
        do_import_line_list(read_table(later.encode(), filename="h2.csv"), actor=officer)
    (error,) = caught.value.errors  # 王五 is a contact: no hospital to leave
    assert (error.row, error.column) == (3, "status") and "cannot become" in error.reason
    assert Person.objects.get(name="张三").status == "admitted"
    fixed = line_list([f"张三,{resident_id(1)},{A1},确诊,{when(2)},,出院,"], header)
    do_import_line_list(read_table(fixed.encode(), filename="h3.csv"), actor=officer)
    assert Person.objects.get(name="张三").status == "discharged"


def test_the_isolation_column_moves_people_into_quarantine_sites(city, officer):
    header = "name,id_number,home_code,category,reported_at,status,facility,isolation"
    first = line_list(
        [
            f"赵一,{resident_id(61)},{A1},suspected,{when(30)},,,",
            f"钱二,{resident_id(62)},{A1},contact,{when(30)},quarantined,,home",
            f"孙三,{resident_id(63)},{A2},contact,{when(30)},,,",
        ],
        header,
    )
    do_import_line_list(read_table(first.encode(), filename="i1.csv"), actor=officer)
    assert Person.objects.get(name="钱二").isolation == "home"
    later = line_list(
        [
            f"赵一,{resident_id(61)},{A1},suspected,{when(20)},,Q001,quarantine",
            f"钱二,{resident_id(62)},{A1},contact,{when(20)},,Q002,集中隔离",
            f"孙三,{resident_id(63)},{A2},contact,{when(20)},,Q003,quarantine",
        ],
        header,
    )
    do_import_line_list(read_table(later.encode(), filename="i2.csv"), actor=officer)
    got = {p.name: (p.status, p.isolation, p.facility) for p in Person.objects.all()}
    assert got == {
        "赵一": ("suspected", "quarantine", "Q001"),
        "钱二": ("quarantined", "quarantine", "Q002"),
        "孙三": ("quarantined", "quarantine", "Q003"),  # a contact is quarantined
    }
    assert not TransitionRecord.objects.filter(person__name="赵一", target="quarantined")
    confirmed = line_list(
        [f"李四,{resident_id(64)},{A1},confirmed,{when(10)},,Q004,quarantine"], header
    )
    with pytest.raises(TableRejected) as caught:
        do_import_line_list(read_table(confirmed.encode(), filename="i3.csv"), actor=officer)
    assert caught.value.errors[0].column == "isolation"  # a confirmed case is admitted


def test_the_treatment_roll_keeps_each_admitted_patients_day_once(city, officer):
    from warroom.cases.imports import do_import_treatments
    from warroom.cases.models import TreatmentRecord

    header = "name,id_number,home_code,category,reported_at,status,facility"
    people = line_list(
        [
            f"周一,{resident_id(71)},{A1},confirmed,{when(30)},admitted,金银潭医院",
            f"吴二,{resident_id(72)},{A1},confirmed,{when(30)},,",
        ],
        header,
    )
    do_import_line_list(read_table(people.encode(), filename="t0.csv"), actor=officer)
    today = timezone.localdate().isoformat()
    roll = f"证件号码,日期\n{resident_id(71)},{today}\n"
    result = do_import_treatments(read_table(roll.encode(), filename="t1.csv"), actor=officer)
    assert (result.created, result.updated) == (1, 0)  # a record; the person is not rewritten
    zhou = Person.objects.get(name="周一")
    assert zhou.treatments.get().date == timezone.localdate()
    assert zhou.version == 1  # an officer editing him meanwhile is not refused for the roll
    again = roll + f"{resident_id(71)},{today}\n"
    do_import_treatments(read_table(again.encode(), filename="t2.csv"), actor=officer)
    assert TreatmentRecord.objects.filter(person=zhou).count() == 1
    waiting = f"id_number,date\n{resident_id(72)},{today}\n"
    with pytest.raises(TableRejected) as caught:
        do_import_treatments(read_table(waiting.encode(), filename="t3.csv"), actor=officer)
    assert "admitted patients" in caught.value.errors[0].reason


def test_a_sample_rewrites_only_the_people_it_changes(city, officer):
    """A sample taken writes its person only when it moves him (a test owed is taken, a
    febrile patient is tested): not each person sampled, so an officer's concurrent edit
    of someone merely sampled is not refused and a mass-testing day rewrites no one."""
    do_import_line_list(read_table(scenario().encode(), filename="a.csv"), actor=officer)
    before = {p.id_number: (p.version, p.next_test_due, p.status) for p in Person.objects.all()}
    taken = timezone.now() - dt.timedelta(hours=1)
    rows = [
        f"{number},金银潭实验室,M{i},核酸,{taken:%Y-%m-%d %H:%M},,"
        for i, number in enumerate(sorted(before))
    ]
    result = do_import_results(
        read_table("\n".join([RESULT_HEADER, *rows]).encode(), filename="m.csv"),
        actor=officer,
    )
    assert result.created == len(before)
    moved = unmoved = 0
    for p in Person.objects.all():
        version, due, status = before[p.id_number]
        owed = due is not None and taken >= due - dt.timedelta(days=1)
        if owed or status == Status.FEBRILE:
            moved += 1
            assert p.version == version + 1
            assert p.next_test_due != due or p.status != status
        else:
            unmoved += 1
            assert (p.version, p.next_test_due, p.status) == (version, due, status)
    assert moved and unmoved  # both kinds are in the scenario
