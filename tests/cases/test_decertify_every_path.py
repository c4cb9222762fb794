"""A new case decertifies its compound and every ancestor at once, whatever path records
it (DESIGN §3.6): a line-list file, a lab-results file, an API batch, a registration with
the category, a single result, the transition form. The import returns with the chain
decertified: no waiting for the next daily cycle."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import pass_six_in_place, resident_id
from warroom.cases.imports import do_import_line_list, do_import_results
from warroom.cases.models import Person, Sample
from warroom.cases.services import do_record_result, do_register_person
from warroom.communities.models import Certification, CertificationStatus
from warroom.communities.services import do_recompute_certification
from warroom.core.context import SYSTEM
from warroom.tables import read_table

pytestmark = pytest.mark.django_db

VICTIM = "990101001001001"
CHAIN = (VICTIM, "990101001001", "990101001", "990101", "9901")
HEADER = "姓名,证件号码,联系电话,住址小区编码,类别,报告时间,病情,指示病例证件号码,暴露日期,接触场所"
RESULTS = "证件号码,检测机构,样本编号,检测类型,采样时间,报告时间,检测结果"


def when(hours_ago: float) -> str:
    return (timezone.localtime() - dt.timedelta(hours=hours_ago)).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def certified(city, hq, case_facts):
    """Every unit of the city certified today (no case facts, every compound inspected)."""
    today = timezone.localdate()
    for area in city.values():
        if area.level == "compound":
            pass_six_in_place(area, hq, today - dt.timedelta(days=1))
    do_recompute_certification(today, actor=hq)
    assert _status("9901", today) == Certification.CERTIFIED
    return today


def _status(code: str, day: dt.date) -> str:
    return CertificationStatus.objects.get(area__code=code, date=day).status


def _assert_chain_decertified(day: dt.date) -> None:
    for code in CHAIN:
        row = CertificationStatus.objects.get(area__code=code, date=day)
        assert row.status == Certification.NOT_CERTIFIED, code
        # the reason as its words (warroom.core.words): the case's number and day
        assert row.reasons["new_case"]["id"] == "confirmed case #%(id)s (%(day)s)"
    # The other district is untouched.
    assert _status("990102", day) == Certification.CERTIFIED


def test_a_line_list_file_with_a_confirmation_decertifies_the_chain_before_it_returns(
    certified, officer
):
    data = "\n".join([HEADER, f"张三,{resident_id(1)},,{VICTIM},确诊,{when(2)},轻型,,,"])
    do_import_line_list(read_table(data.encode(), filename="l.csv"), actor=officer)
    _assert_chain_decertified(certified)


def test_a_line_list_without_a_confirmation_leaves_the_certification(certified, officer):
    data = "\n".join([HEADER, f"李四,{resident_id(2)},,{VICTIM},疑似,{when(2)},,,,"])
    do_import_line_list(read_table(data.encode(), filename="l.csv"), actor=officer)
    assert _status(VICTIM, certified) == Certification.CERTIFIED


def test_a_results_file_that_confirms_a_suspected_case_decertifies_the_chain(
    certified, officer, hq, city
):
    suspect = do_register_person(
        name="王五",
        home=city[VICTIM],
        id_number=resident_id(3),
        category="suspected",
        actor=hq,
        at=timezone.now() - dt.timedelta(hours=5),
    )
    assert _status(VICTIM, certified) == Certification.CERTIFIED
    row = f"{suspect.id_number},金银潭实验室,S1,核酸,{when(4)},{when(1)},阳性"
    data = "\n".join([RESULTS, row])
    do_import_results(read_table(data.encode(), filename="r.csv"), actor=officer)
    _assert_chain_decertified(certified)


def test_an_api_batch_with_a_confirmation_decertifies_the_chain(certified, officer, client):
    from warroom.accounts.services import do_create_token

    _, token = do_create_token(officer, name="hospital", actor=SYSTEM)
    rows = [
        {
            "name": "确诊者",
            "home_code": VICTIM,
            "category": "confirmed",
            "reported_at": timezone.now().isoformat(),
            "id_number": resident_id(50),
        }
    ]
    answer = client.post(
        "/api/cases/line-list",
        rows,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert answer.status_code == 200, answer.content
    _assert_chain_decertified(certified)


def test_registering_a_confirmed_case_and_a_single_positive_result_decertify(certified, hq, city):
    do_register_person(
        name="赵六", home=city[VICTIM], id_number=resident_id(4), category="confirmed", actor=hq
    )
    _assert_chain_decertified(certified)


def test_a_single_positive_result_decertifies(certified, hq, city):
    suspect = do_register_person(
        name="钱七", home=city[VICTIM], id_number=resident_id(5), category="suspected", actor=hq
    )
    sample = Sample.objects.create(
        person=suspect, kind="nucleic_acid", lab="L", code="X1", taken_at=timezone.now()
    )
    do_record_result(sample, "positive", actor=hq)
    assert Person.objects.get(pk=suspect.pk).status == "confirmed"
    _assert_chain_decertified(certified)
