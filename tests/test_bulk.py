"""The one bulk door (``warroom.core.bulk``): its fast paths give what the ORM gives."""

from __future__ import annotations

import datetime as dt
import gc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import resident_id
from warroom.cases.imports import PERSON_FIELDS, TRANSITION_FIELDS
from warroom.cases.models import Person, TransitionRecord
from warroom.core import bulk
from warroom.tables import Column, Table, TableRejected, parse_rows


def _fields(obj):
    return {k: v for k, v in obj.__dict__.items() if k not in ("_state", "created_at")}


def test_a_built_instance_is_the_one_the_constructor_makes(city):
    home = city["990101001001001"]
    kwargs = {"name": "张三", "id_number": resident_id(1), "home": home, "sex": "M"}
    made, built = Person(**kwargs), bulk.builder(Person)(**kwargs)
    assert _fields(made) == _fields(built)
    assert built._state.adding and built.home is home
    step = bulk.builder(TransitionRecord)(person=made, target="suspected")
    assert step.person is made and step.person_id is None


@pytest.mark.django_db
def test_written_through_the_door_reads_back_as_the_orm_wrote_it(city):
    make = bulk.builder(Person)
    at = dt.datetime(2020, 2, 10, 8, 30, tzinfo=dt.UTC)
    people = [
        make(name=f"人{i}", id_number=resident_id(i), home=city["990101001001001"], created_at=at)
        for i in range(7)
    ]
    bulk.insert_rows_returning_ids(Person, people, PERSON_FIELDS)
    for p in people:
        p.status, p.status_since = "suspected", at + dt.timedelta(hours=p.pk % 3)
    bulk.update_rows(Person, people, ["status", "status_since"])
    stored = {p.pk: (p.status, p.status_since, p.created_at) for p in Person.objects.all()}
    assert stored == {p.pk: (p.status, p.status_since, at) for p in people}


@pytest.mark.django_db
def test_text_json_and_times_read_back_through_value_rows_as_the_orm_reads_them(city):
    """The writers' COPY text (escapes, JSON, dates, times, NULL) and ``value_rows``
    (converters once per distinct value) against the ORM's own reading."""
    make = bulk.builder(Person)
    at = dt.datetime(2020, 2, 10, 8, 30, tzinfo=dt.UTC)
    people = [
        make(
            name=["张\t三", "a\\b", "c\nd", "e\rf", "plain"][i % 5],
            id_number=resident_id(i),
            home=city["990101001001001"],
            created_at=at,
            birth_date=None if i % 2 else dt.date(1980, 1, 1 + i),
            test_schedule=[] if i % 3 else [f"2020-02-1{i % 10}T08:00:00+08:00", '引号"\\'],
            vulnerability=["elderly"] if i == 4 else [],
        )
        for i in range(8)
    ]
    bulk.insert_rows_returning_ids(Person, people, PERSON_FIELDS)
    for p in people:
        p.status_since, p.test_schedule = (
            at + dt.timedelta(minutes=p.pk % 2),
            [str(p.pk)] * (p.pk % 2),
        )
    bulk.update_rows(Person, people, ["status_since", "test_schedule"])
    names = [
        "pk",
        "name",
        "birth_date",
        "status_since",
        "created_at",
        "test_schedule",
        "vulnerability",
    ]
    query = Person.objects.order_by("pk").values_list(*names)
    rows = bulk.value_rows(query)
    assert rows == list(query)
    assert rows == [
        (p.pk, p.name, p.birth_date, p.status_since, at, p.test_schedule, p.vulnerability)
        for p in people
    ]
    rows[0][6].append("x")  # a JSON value is each row's own
    assert rows[1][6] == []
    assert bulk.value_rows(Person.objects.none().values_list("pk")) == []


@pytest.mark.django_db
def test_written_block_by_block_reads_back_as_written_at_once(city, monkeypatch):
    """A COPY written in blocks (the next built while the server inserts one) writes the
    same rows, ids and updates as one block: 7 people in blocks of 3."""
    monkeypatch.setattr(bulk, "COPY_BLOCK", 3)
    make = bulk.builder(Person)
    at = dt.datetime(2020, 2, 10, 8, 30, tzinfo=dt.UTC)
    people = [
        make(name=f"人\t{i}", id_number=resident_id(i), home=city["990101001001001"], created_at=at)
        for i in range(7)
    ]
    bulk.insert_rows_returning_ids(Person, people, PERSON_FIELDS)
    for p in people:
        p.status, p.test_schedule = "contact", [str(p.pk)] * (p.pk % 2)
    bulk.update_rows(Person, people, ["status", "test_schedule"])
    new_step = bulk.builder(TransitionRecord)
    steps = [new_step(person=p, target="contact", at=at, actor_name="system") for p in people]
    bulk.insert_rows(TransitionRecord, steps, TRANSITION_FIELDS)
    stored = Person.objects.order_by("pk").values_list("pk", "name", "status", "test_schedule")
    assert list(stored) == [(p.pk, p.name, "contact", p.test_schedule) for p in people]
    assert sorted(TransitionRecord.objects.values_list("person_id", "at")) == [
        (p.pk, at) for p in people
    ]


@pytest.mark.django_db
def test_tuples_of_every_plain_kind_read_back_as_given(city, monkeypatch):
    """``insert_tuples`` in blocks: text with COPY's special characters, a state
    machine's enum member, aware times, dates, None; a column mixing booleans and numbers
    is written as the driver writes it."""
    from warroom.cases.models import IsolationRecord, TestDueRecord
    from warroom.cases.states import Isolation

    monkeypatch.setattr(bulk, "COPY_BLOCK", 2)
    make = bulk.builder(Person)
    people = [
        make(name=f"人{i}", id_number=resident_id(i), home=city["990101001001001"])
        for i in range(5)
    ]
    bulk.insert_rows_returning_ids(Person, people, PERSON_FIELDS)
    at = dt.datetime(2020, 2, 10, 8, 30, 15, 123456, tzinfo=dt.UTC)
    facilities = ["方舱\t1", "a\\b", "c\nd", "", "e\rf"]
    rows = [
        (p.pk, Isolation.QUARANTINE if i % 2 else "home", facilities[i], at)
        for i, p in enumerate(people)
    ]
    bulk.insert_tuples(IsolationRecord, ["person", "isolation", "facility", "at"], rows)
    stored = IsolationRecord.objects.order_by("person_id").values_list(
        "person_id", "isolation", "facility", "at"
    )
    assert list(stored) == [(pk, str(kind), f, t) for pk, kind, f, t in rows]
    dues = [(p.pk, None if i % 2 else at + dt.timedelta(days=i), at) for i, p in enumerate(people)]
    bulk.insert_tuples(TestDueRecord, ["person", "due", "at"], dues)
    stored_dues = TestDueRecord.objects.order_by("person_id").values_list("person_id", "due", "at")
    assert list(stored_dues) == dues
    assert not bulk._formattable([True, 1]) and bulk._formattable([True, None])
    assert bulk._formattable([Isolation.HOME, "x", None, dt.date(2020, 1, 1)])
    assert not bulk._formattable([dt.timedelta(days=1)])


def test_related_ids_bound_keep_the_cached_object():
    """``bind_related``: each step takes its (since saved) person's id and keeps him."""
    people = [bulk.builder(Person)(name=f"人{i}") for i in range(3)]
    steps = [bulk.builder(TransitionRecord)(person=p, target="contact") for p in people]
    for i, p in enumerate(people):
        p.id = 40 + i
    bulk.bind_related(steps, "person")
    assert [s.person_id for s in steps] == [40, 41, 42]
    assert all(s.person is p for s, p in zip(steps, people, strict=True))
    with pytest.raises(ValueError, match="many-to-one"):
        bulk.bind_related([people[0]], "name")


@pytest.mark.django_db
def test_among_many_values_selects_what_an_in_list_selects(city, monkeypatch):
    make = bulk.builder(Person)
    people = [
        make(name=f"人{i}", id_number=resident_id(i), home=city["990101001001001"])
        for i in range(30)
    ]
    bulk.insert_rows_returning_ids(Person, people, PERSON_FIELDS)
    wanted = [resident_id(i) for i in range(0, 60, 2)]  # half of them registered
    monkeypatch.setattr(bulk, "BATCH", 5)  # the temporary table, not the IN list
    with bulk.among(wanted) as numbers:
        assert not isinstance(numbers, list)
        found = set(Person.objects.filter(id_number__in=numbers).values_list("id_number"))
    with bulk.among([p.pk for p in people], integer=True) as ids:
        assert Person.objects.filter(pk__in=ids).count() == 30
    assert found == {(n,) for n in wanted[:15]}
    # As one array (PostgreSQL; a list elsewhere): the same people, locked as well.
    monkeypatch.setattr(bulk, "BATCH", 5000)
    monkeypatch.setattr(bulk, "FEW", 2)
    with bulk.among(wanted, array=True) as numbers:
        found_again = Person.objects.select_for_update().filter(id_number__in=numbers)
        assert set(found_again.values_list("id_number")) == found
    with bulk.among([p.pk for p in people][:20], integer=True, array=True) as ids:
        assert Person.objects.filter(pk__in=ids).count() == 20


@pytest.mark.django_db
def test_a_partial_load_is_what_only_loads(city):
    make = bulk.builder(Person)
    at = dt.datetime(2020, 2, 10, 8, 30, tzinfo=dt.UTC)
    people = [
        make(name=f"人{i}", id_number=resident_id(i), home=city["990101001001001"], created_at=at)
        for i in range(6)
    ]
    bulk.insert_rows_returning_ids(Person, people, PERSON_FIELDS)
    names = ("pk", "version", "home", "status", "created_at")
    query = Person.objects.filter(pk__in=[p.pk for p in people[:4]]).order_by("pk")
    loaded, only = bulk.loaded(query, names), list(query.only(*names))
    assert [p.pk for p in loaded] == [p.pk for p in only] == [p.pk for p in people[:4]]
    for fast, orm in zip(loaded, only, strict=True):
        assert fast.get_deferred_fields() == orm.get_deferred_fields()
        assert "name" in fast.get_deferred_fields()
        assert (fast.version, fast.home_id, fast.status, fast.created_at) == (
            orm.version,
            orm.home_id,
            orm.status,
            at,
        )
        assert not fast._state.adding and fast._state.db == orm._state.db
        assert fast.name == orm.name  # a deferred field is read when touched
    only[0].status = "suspected"
    loaded[1].status = "contact"
    loaded[1].save(update_fields=["status"])  # a stored instance: an UPDATE of its row
    assert Person.objects.get(pk=people[1].pk).status == "contact"
    assert Person.objects.count() == 6


@pytest.mark.django_db
def test_rows_written_in_several_statements_inside_a_savepoint_read_back(city, monkeypatch):
    """SQLite writes many rows a statement (one statement a row inside a nested ``atomic``
    cost O(rows x pages): issue 21); blocks of 3 here, so 7 rows take 3 statements each way."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(bulk, "_sqlite_rows_per_statement", lambda width: 3)
    make = bulk.builder(Person)
    at = dt.datetime(2020, 2, 10, 8, 30, tzinfo=dt.UTC)
    people = [
        make(name=f"人{i}", id_number=resident_id(i), home=city["990101001001001"], created_at=at)
        for i in range(7)
    ]
    with transaction.atomic(), transaction.atomic(), CaptureQueriesContext(connection) as seen:
        bulk.insert_rows_returning_ids(Person, people, PERSON_FIELDS)
        for p in people:
            p.status, p.facility = "suspected", f"点{p.pk % 2}"
            p.status_since = at + dt.timedelta(hours=p.pk % 3)
        bulk.update_rows(Person, people, ["status", "status_since", "facility"])
    stored = {p.pk: (p.status, p.status_since, p.facility) for p in Person.objects.all()}
    assert stored == {p.pk: (p.status, p.status_since, p.facility) for p in people}
    assert len({p.pk for p in people}) == 7
    if connection.vendor == "sqlite":
        writes = [
            q["sql"] for q in seen.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))
        ]
        assert [w.split()[0] for w in writes] == ["INSERT"] * 3 + ["UPDATE"] * 3


@pytest.mark.django_db
def test_plain_tuples_read_back_as_they_were_written(city):
    """``insert_tuples``: COPY text column by column on PostgreSQL (escapes, NULL, times,
    booleans, a StrEnum member), ``executemany`` elsewhere."""
    from warroom.cases.states import Status

    home = city["990101001001001"]
    person = bulk.builder(Person)(name="人", id_number=resident_id(1), home=home)
    bulk.insert_rows_returning_ids(Person, [person], PERSON_FIELDS)
    at = dt.datetime(2020, 2, 10, 8, 30, tzinfo=dt.UTC)
    rows = [
        (person.pk, "", Status.SUSPECTED, at, None, "", "a\tb\n"),
        (person.pk, "suspected", "contact", at + dt.timedelta(seconds=1), None, "x\\y", "引\t号\r"),
    ]
    names = ["person", "source", "target", "at", "actor", "actor_name", "reason"]
    bulk.insert_tuples(TransitionRecord, names, rows)
    stored = list(
        TransitionRecord.objects.order_by("at").values_list(
            "person_id", "source", "target", "at", "actor_id", "actor_name", "reason"
        )
    )
    assert stored == [tuple(str(v) if isinstance(v, Status) else v for v in r) for r in rows]


def test_the_collector_is_off_inside_and_back_after_nested_blocks():
    assert gc.isenabled()
    with bulk.quiet_gc():
        with bulk.quiet_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["1", "2", "x", " ", "y2"]), min_size=1, max_size=30))
def test_remembered_cells_give_every_row_its_own_value_and_error(cells):
    """Parsing each distinct text once changes nothing: each row its value, each bad row
    its error with its own row number."""

    def digit(cell):
        if not str(cell).isdigit():
            raise ValueError("not a digit")
        return int(cell)

    table = Table(["n"], [[c] for c in cells], "k", "utf-8")
    columns = [Column("n", "数", digit)]
    bad = [i + 2 for i, c in enumerate(cells) if c.strip() and not c.isdigit()]
    blank = [i + 2 for i, c in enumerate(cells) if not c.strip()]
    if bad:
        with pytest.raises(TableRejected) as refused:
            parse_rows(table, columns)
        assert [e.row for e in refused.value.errors] == bad
    else:
        rows = parse_rows(table, columns)
        kept = [(i + 2, int(c)) for i, c in enumerate(cells) if c.strip()]
        assert [(r["_row"], r["n"]) for r in rows] == kept
        assert len(rows) + len(blank) == len(cells)


def test_blank_and_absent_optional_cells_are_none_in_every_row():
    """A blank text of an optional column, remembered once, is None in each of its rows;
    so is an optional column the file lacks; a blank required cell is refused each time,
    with its own row."""
    columns = [
        Column("n", "数", int),
        Column("m", "备", str.strip, required=False),
        Column("k", "键", str.strip, required=False),
    ]
    cells = [["1", ""], ["2", " "], ["3", ""], ["4", "x"], ["5", " "]]
    rows = parse_rows(Table(["n", "m"], cells, "k", "utf-8"), columns)
    assert [list(r.items()) for r in rows] == [
        [("_row", i + 2), ("n", i + 1), ("m", "x" if i == 3 else None), ("k", None)]
        for i in range(5)
    ]
    with pytest.raises(TableRejected) as refused:
        parse_rows(Table(["n", "m"], [[" ", "a"], ["2", ""], ["", "b"]], "k", "utf-8"), columns)
    assert [(e.row, e.column, e.reason) for e in refused.value.errors] == [
        (2, "n", "empty, but required"),
        (4, "n", "empty, but required"),
    ]
