"""A line list that contradicts itself about a person is refused (issue 14, item 10):
two rows of one ID number that disagree, a birth date after the report or unlike the ID
number's, a sex unlike the ID number's; a treatment roll naming a patient's day twice
with different notes. Rows that agree stay the normal course (suspected, then confirmed).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import resident_id
from warroom.cases.imports import do_import_line_list
from warroom.cases.models import Person
from warroom.core.models import ImportBatch
from warroom.tables import TableRejected, read_table

pytestmark = pytest.mark.django_db

A1, A2 = "990101001001001", "990101001001002"
HEADER = "name,id_number,sex,birth_date,home_code,category,reported_at"


def when(hours_ago: float) -> str:
    return (timezone.localtime() - dt.timedelta(hours=hours_ago)).strftime("%Y-%m-%d %H:%M")


def _refused(rows: list[str], officer) -> list[tuple[int, str]]:
    text = "\n".join([HEADER, *rows]) + "\n"
    with pytest.raises(TableRejected) as caught:
        do_import_line_list(read_table(text.encode(), filename="x.csv"), actor=officer)
    assert not Person.objects.exists()
    assert not ImportBatch.objects.filter(kind="cases-line-list").exists()
    return [(e.row, e.column) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("second", "column"),
    [
        (f"李四,{resident_id(1)},,,{A1},确诊,{{t}}", "name"),
        (f"张三,{resident_id(1)},,,{A2},确诊,{{t}}", "home_code"),
        (f"张三,{resident_id(1)},,1980-01-02,{A1},确诊,{{t}}", "birth_date"),
    ],
)
def test_two_rows_of_one_id_number_that_disagree_are_refused_naming_both(
    city, officer, second, column
):
    errors = _refused(
        [f"张三,{resident_id(1)},,,{A1},疑似,{when(5)}", second.format(t=when(3))], officer
    )
    assert (3, column) in errors


def test_rows_of_one_person_that_agree_still_move_him_along(city, officer):
    text = "\n".join(
        [
            HEADER,
            f"张三,{resident_id(1)},,,{A1},疑似,{when(5)}",
            f"张三,{resident_id(1)},,,{A1},确诊,{when(3)}",
        ]
    )
    do_import_line_list(read_table(text.encode(), filename="ok.csv"), actor=officer)
    assert Person.objects.get().status == "confirmed"


def test_a_birth_date_after_the_report_or_unlike_the_id_number_is_refused(city, officer):
    born_later = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    wrong_sex = "F" if int(resident_id(3)[16]) % 2 else "M"
    errors = _refused(
        [
            f"甲,,,{born_later},{A1},发热,{when(5)}",
            f"乙,{resident_id(2)},,1990-05-05,{A1},发热,{when(5)}",
            f"丙,{resident_id(3)},{wrong_sex},,{A1},发热,{when(5)}",
        ],
        officer,
    )
    assert errors == [(2, "birth_date"), (3, "birth_date"), (4, "sex")]


def test_a_treatment_roll_with_a_day_twice_and_two_notes_is_refused(city, officer):
    from warroom.cases.imports import do_import_treatments

    people = "\n".join(
        [
            "name,id_number,home_code,category,reported_at,status,facility",
            f"周一,{resident_id(71)},{A1},confirmed,{when(30)},admitted,金银潭医院",
        ]
    )
    do_import_line_list(read_table(people.encode(), filename="p.csv"), actor=officer)
    today = timezone.localdate().isoformat()
    roll = f"证件号码,日期,备注\n{resident_id(71)},{today},高热\n{resident_id(71)},{today},退热\n"
    with pytest.raises(TableRejected) as caught:
        do_import_treatments(read_table(roll.encode(), filename="t.csv"), actor=officer)
    (error,) = caught.value.errors
    assert error.row == 3 and "row 2" in error.reason
