"""The line list and lab results in bulk: files (CSV/Excel, UTF-8 or GBK) and API batches.

Each import validates the whole batch first (every bad cell and every illegal step is
reported as row, column, value, reason), then writes in one transaction with bulk
operations, and finishes through :mod:`warroom.core.imports` (the batch record under the
file's SHA-256 or the API batch's key, so the same batch twice adds nothing, and one audit
entry for the batch). People move through the same state machine as a form moves them
(:func:`warroom.cases.services.apply_transition`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from warroom.cases import rules as case_rules
from warroom.cases import states
from warroom.cases.identity import (
    birth_date_of,
    check_day,
    sex_of,
    validate_phone,
    validate_resident_id,
)
from warroom.cases.integration import on_new_cases
from warroom.cases.models import (
    ContactLink,
    IdType,
    Person,
    Result,
    Sample,
    SampleKind,
    Setting,
    SeverityRecord,
    TransitionRecord,
    TreatmentRecord,
)
from warroom.cases.services import (
    HOME_AREAS,
    ISOLATABLE,
    RESULT_REASON,
    SAMPLE_TAKEN,
    STATE_FIELDS,
    apply_isolation,
    apply_transition,
    consume_test_due,
    notify_bulk_transitions,
    result_targets,
    save_isolation_history,
    set_test_due,
)
from warroom.cases.states import Category, Isolation, Severity, Status
from warroom.core.bulk import (
    among,
    attnames,
    bind_related,
    builder,
    from_rows,
    insert_rows,
    insert_rows_returning_ids,
    loaded,
    update_rows,
    value_rows,
    without_gc,
)
from warroom.core.context import acting
from warroom.core.errors import Conflict, WarroomError
from warroom.core.imports import finish_import, import_progress, previous_import
from warroom.core.progress import RowProgress
from warroom.core.words import Worded, label, say
from warroom.geo.models import Area
from warroom.tables import (
    Cell,
    Column,
    RowError,
    Table,
    TableRejected,
    bounded,
    choice,
    date,
    in_date_range,
    parse_rows,
    text,
)

# Fast makers of the rows an import builds by the ten thousand (see core.bulk.builder).
new_person = builder(Person)
new_sample = builder(Sample)
new_severity = builder(SeverityRecord)
new_link = builder(ContactLink)
new_treatment = builder(TreatmentRecord)

PERSON_FIELDS = [
    f.name
    for f in Person._meta.concrete_fields
    if not f.primary_key and f.name not in ("merged_into",)
]
TRANSITION_FIELDS = [
    "person",
    "source",
    "target",
    "at",
    "actor",
    "actor_name",
    "reason",
    "reason_words",
]
SAMPLE_FIELDS = [
    "person",
    "kind",
    "lab",
    "code",
    "taken_at",
    "received_at",
    "reported_at",
    "result",
]


def _strptime(raw: str) -> dt.datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(raw, fmt)
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError("not a date and time (use YYYY-MM-DD HH:MM)") from None


def moment(cell: Cell) -> dt.datetime:
    """A date and time (``2020-02-10 08:30``, ``2020/2/10 8:30:00``) or a date (midnight),
    in local time."""
    if isinstance(cell, dt.datetime):
        value = cell
    elif isinstance(cell, dt.date):
        value = dt.datetime.combine(cell, dt.time(0, 0))
    else:
        raw = str(cell).strip()
        try:
            value = dt.datetime.fromisoformat(raw)  # the common case, fast
        except ValueError:
            value = _strptime(raw.replace("T", " ").replace("/", "-"))
    in_date_range(value)  # year 1 would overflow the time zone and the database
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_current_timezone())
    if value > timezone.now() + dt.timedelta(minutes=5):
        raise ValueError("a time in the future")
    return value


def resident_or_document(cell: Cell) -> str:
    return bounded(32)(cell).upper()


def phone(cell: Cell) -> str:
    return validate_phone(str(cell))


ID_TYPES = choice(
    IdType.values(),
    aliases={"身份证": "resident", "居民身份证": "resident", "护照": "passport", "其他": "other"},
)
CATEGORIES = choice(
    Category.values(),
    aliases={
        "确诊": "confirmed",
        "疑似": "suspected",
        "发热": "febrile",
        "密接": "contact",
        "密切接触者": "contact",
    },
)
SEVERITIES = choice(
    Severity.values(),
    aliases={
        "无症状": "asymptomatic",
        "轻型": "mild",
        "普通型": "moderate",
        "重型": "severe",
        "危重型": "critical",
    },
)
SETTINGS = choice(
    Setting.values(),
    aliases={
        "家庭": "household",
        "工作": "work",
        "医院": "hospital",
        "交通": "transport",
        "其他": "other",
    },
)
STATUSES = choice(
    Status.values(),
    aliases={
        "已收治": "admitted",
        "收治": "admitted",
        "出院": "discharged",
        "死亡": "died",
        "已隔离": "quarantined",
        "解除隔离": "released",
        "排除": "excluded",
        "出院后隔离": "post_discharge",
    },
)
ISOLATIONS = choice(
    [Isolation.HOME, Isolation.QUARANTINE, Isolation.HOSPITAL],
    aliases={
        "居家": "home",
        "居家隔离": "home",
        "集中隔离": "quarantine",
        "隔离点": "quarantine",
        "医院": "hospital",
    },
)
SEXES = choice(["M", "F", "U"], aliases={"男": "M", "女": "F", "未知": "U"})
KINDS = choice(
    SampleKind.values(), aliases={"核酸": "nucleic_acid", "抗体": "antibody", "ct": "ct"}
)
RESULTS = choice(Result.values(), aliases={"阳性": "positive", "阴性": "negative"})

LINE_LIST_COLUMNS: list[Column] = [
    Column("name", "姓名", bounded(100)),
    Column("id_type", "证件类型", ID_TYPES, required=False, help="resident / passport / other"),
    Column("id_number", "证件号码", resident_or_document, required=False),
    Column("phone", "联系电话", phone, required=False),
    Column("sex", "性别", SEXES, required=False),
    Column("birth_date", "出生日期", date, required=False),
    Column("home_code", "住址小区编码", text, help="the code of the home compound"),
    Column("workplace", "工作单位", bounded(200), required=False),
    Column("category", "类别", CATEGORIES, help="confirmed / suspected / febrile / contact"),
    Column("reported_at", "报告时间", moment, help="YYYY-MM-DD HH:MM"),
    Column("severity", "病情", SEVERITIES, required=False),
    Column("index_id_number", "指示病例证件号码", resident_or_document, required=False),
    Column("exposure_date", "暴露日期", date, required=False),
    Column("setting", "接触场所", SETTINGS, required=False),
    Column(
        "status",
        "状态",
        STATUSES,
        required=False,
        help="where the person is now within the category, e.g. admitted / discharged / died",
    ),
    Column("facility", "收治或隔离机构", bounded(200), required=False),
    Column(
        "isolation",
        "隔离方式",
        ISOLATIONS,
        required=False,
        help="home / quarantine / hospital: where a febrile, suspected or quarantined "
        "person is isolated now (with its facility)",
    ),
]

RESULT_COLUMNS: list[Column] = [
    Column("id_type", "证件类型", ID_TYPES, required=False),
    Column("id_number", "证件号码", resident_or_document),
    Column("lab", "检测机构", bounded(200)),
    Column("sample_code", "样本编号", bounded(64)),
    Column("kind", "检测类型", KINDS, help="nucleic_acid / antibody / ct"),
    Column("taken_at", "采样时间", moment),
    Column("received_at", "接收时间", moment, required=False),
    Column("reported_at", "报告时间", moment, required=False),
    Column(
        "result", "检测结果", RESULTS, required=False, help="positive / negative; empty: pending"
    ),
]


TREATMENT_COLUMNS: list[Column] = [
    Column("id_type", "证件类型", ID_TYPES, required=False),
    Column("id_number", "证件号码", resident_or_document),
    Column("date", "日期", date, help="the day of the treatment record"),
    Column("note", "备注", bounded(500), required=False),
]


@dataclass(frozen=True)
class CaseImportResult:
    kind: str
    rows: int
    created: int
    updated: int
    transitions: int
    already_imported: bool
    sha256: str


def _load_people(
    keys: set[tuple[str, str]], only: tuple[str, ...] | None = None
) -> dict[tuple[str, str], Person]:
    """The registered people with these documents, locked for the batch (PostgreSQL).

    Built from plain rows: thousands of instances without the audit snapshot that
    ``from_db`` takes (the import audits the batch as one entry). With ``only``, just
    those fields (and the key, documents and version) are read; the others are deferred,
    as ``QuerySet.only`` leaves them (read from the database if touched).
    """
    numbers = sorted({n for _, n in keys})
    names = attnames(Person, None if only is None else ["id_type", "id_number", "version", *only])
    found: dict[tuple[str, str], Person] = {}
    with among(numbers, array=True) as wanted:
        qs = Person.objects.filter(id_number__in=wanted)
        if connection.features.has_select_for_update:
            qs = qs.select_for_update(of=("self",))
        rows = value_rows(qs.values_list(*names, "home__path"))
        people = from_rows(Person, [*names, "home_path"], rows, connection.alias)
        for p in people:
            found[(p.id_type, p.id_number)] = p
    return found


def _validate_document(id_type: str, number: str, today: dt.date | None = None) -> str:
    if id_type == IdType.RESIDENT:
        return validate_resident_id(number, today=today)
    return number


class _Writer:
    """Collects the batch's changes in memory, then writes them in bulk."""

    def __init__(self) -> None:
        self.new: list[Person] = []
        self.changed: dict[int, Person] = {}
        self.versions: dict[int, int] = {}
        self.steps: list[TransitionRecord] = []
        self.severities: list[SeverityRecord] = []

    def touch(self, person: Person) -> None:
        pk = person.id  # the attribute itself: this runs once or twice per row
        if pk is not None and pk not in self.changed:
            self.changed[pk] = person
            self.versions[pk] = person.version

    def write_people(self, *, actor: Any) -> None:
        insert_rows_returning_ids(Person, self.new, PERSON_FIELDS)
        changed = list(self.changed.values())
        for p in changed:
            p.version = self.versions[p.id] + 1
        update_rows(Person, changed, [*STATE_FIELDS, "version"])
        # The new people's ids, keeping each step's cached person: setting person_id
        # alone would drop it, and on_new_cases would load each confirmed one again.
        bind_related(self.steps, "person")
        insert_rows(TransitionRecord, self.steps, TRANSITION_FIELDS)
        save_isolation_history([*self.new, *changed])
        notify_bulk_transitions(changed)
        # A new case decertifies its compound and every ancestor in this transaction.
        on_new_cases(self.steps, actor=actor)
        bind_related(self.severities, "person")
        insert_rows(
            SeverityRecord, self.severities, ["person", "severity", "at", "actor_name", "note"]
        )


def _finish(
    kind: str,
    sha256: str,
    filename: str,
    rows: int,
    created: int,
    updated: int,
    transitions: int,
    actor: Any,
) -> CaseImportResult:
    finish_import(
        kind,
        sha256,
        actor=actor,
        filename=filename,
        rows=rows,
        created=created,
        updated=updated,
        object_type="cases.person" if kind == "cases-line-list" else "cases.sample",
        message=f"{kind}: {created} created, {updated} updated, {transitions} transitions "
        f"from {filename or 'data'}",
        details={"transitions": transitions},
    )
    return CaseImportResult(kind, rows, created, updated, transitions, False, sha256)


def _scope_errors(
    actor: Any, homes: dict[str, Area], parsed: list[dict[str, Any]], column: str
) -> list[RowError]:
    """An actor bound to an area imports only into his own subtree."""
    own = getattr(actor, "area_path", "")
    if not own:
        return []
    return [
        RowError(p["_row"], column, p[column], "this compound is outside your area")
        for p in parsed
        if p.get(column) in homes and not homes[p[column]].path.startswith(own)
    ]


# What a line-list row says about who the person is: two rows of one ID number must agree.
_IDENTITY = ("name", "birth_date", "sex", "home_code")


def identity_errors(parsed: list[dict[str, Any]], today: dt.date | None = None) -> list[RowError]:
    """The line list's rows that contradict themselves or each other about a person.

    A birth date after the report, or unlike the one a resident ID number carries (and
    likewise the sex), is refused; so are two rows with one ID number that disagree on
    name, birth date, sex or home: the person is registered once, so the second row's
    values would be dropped without a word. Rows that agree (the same person reported
    suspected, then confirmed) are the line list's normal course.
    """
    errors: list[RowError] = []
    first: dict[tuple[str, str], dict[str, Any]] = {}
    today = today or check_day()
    for p in parsed:
        number, row = p.get("id_number"), p["_row"]
        born, reported = p.get("birth_date"), p.get("reported_at")
        if born is not None and reported is not None and born > timezone.localdate(reported):
            errors.append(RowError(row, "birth_date", born.isoformat(), "after the report date"))
        sex = p.get("sex")
        if born is None and sex not in ("M", "F"):  # nothing to hold against the number
            says_born = says_sex = None
        else:
            says_born, says_sex = _resident_facts(
                number if p.get("id_type") == IdType.RESIDENT else "", today
            )
        if born is not None and says_born is not None and born != says_born:
            errors.append(
                RowError(
                    row,
                    "birth_date",
                    born.isoformat(),
                    f"the ID number says born {says_born.isoformat()}",
                )
            )
        if sex in ("M", "F") and says_sex is not None and sex != says_sex:
            errors.append(RowError(row, "sex", p["sex"], f"the ID number says {says_sex}"))
        if not number:
            continue
        other = first.setdefault((p.get("id_type") or IdType.RESIDENT, number), p)
        for column in _IDENTITY:
            mine, theirs = p.get(column), other.get(column)
            if other is not p and mine is not None and theirs is not None and mine != theirs:
                errors.append(
                    RowError(
                        row,
                        column,
                        str(mine),
                        f"the same ID number as row {other['_row']}, which says "
                        f"{theirs!s}: one person, or a mistyped number?",
                    )
                )
    return errors


def _resident_facts(
    number: str | None, today: dt.date | None = None
) -> tuple[dt.date | None, str | None]:
    """The birth date and sex a valid resident ID number carries (None, None otherwise)."""
    try:
        valid = validate_resident_id(number or "", today=today)
    except ValueError:
        return None, None
    return birth_date_of(valid), sex_of(valid)


@without_gc
def do_import_line_list(table: Table, *, actor: Any, sha256: str | None = None) -> CaseImportResult:
    """Import case reports (one row per person and category). All or nothing; idempotent.

    Its sections: parse (:func:`~warroom.tables.parse_rows`), validate the cells and the
    scope (:func:`_validate_line_list`), apply every row through the state machine in
    memory (:func:`_apply_line_list`), write in bulk (:func:`_write_line_list`), finish.
    """
    kind = "cases-line-list"
    digest = sha256 or table.sha256
    parsed = parse_rows(table, LINE_LIST_COLUMNS)
    rules = case_rules.current()
    progress = import_progress("line list", len(parsed))
    with acting(actor), transaction.atomic():
        if previous_import(kind, digest, actor=actor) is not None:
            return CaseImportResult(kind, len(parsed), 0, 0, 0, True, digest)
        homes, keys = _validate_line_list(parsed, actor)
        known = _load_people(keys)
        writer, links = _apply_line_list(
            parsed, homes, known, actor=actor, rules=rules, progress=progress
        )
        _write_line_list(writer, links, known, actor=actor)
        progress.rows(len(parsed), final=True)
        return _finish(
            kind,
            digest,
            table.filename,
            len(parsed),
            len(writer.new),
            len(writer.changed),
            len(writer.steps),
            actor,
        )


def _validate_line_list(
    parsed: list[dict[str, Any]], actor: Any
) -> tuple[dict[str, Area], set[tuple[str, str]]]:
    """Check every row's documents, home and index case; refuse the file on any problem.

    Returns the homes by code and the documents (type, number) the file names.
    """
    errors: list[RowError] = []
    codes = {p["home_code"] for p in parsed}
    homes = {a.code: a for a in loaded(Area.objects.filter(HOME_AREAS, code__in=codes))}
    errors += _scope_errors(actor, homes, parsed, "home_code")
    keys: set[tuple[str, str]] = set()
    today = check_day()  # once: the resident-ID check is per number, 56,000 at W1
    for p in parsed:
        p["id_type"] = p["id_type"] or IdType.RESIDENT
        for col, type_col in (("id_number", "id_type"), ("index_id_number", None)):
            if p[col]:
                try:
                    p[col] = _validate_document(
                        p[type_col] if type_col else "resident", p[col], today
                    )
                    keys.add((p[type_col] if type_col else IdType.RESIDENT, p[col]))
                except ValueError as exc:
                    errors.append(RowError(p["_row"], col, p[col], str(exc)))
        if p["home_code"] not in homes:
            errors.append(
                RowError(
                    p["_row"],
                    "home_code",
                    p["home_code"],
                    "no compound or village with this code",
                )
            )
        if p["category"] != Category.CONTACT and p["index_id_number"]:
            errors.append(
                RowError(
                    p["_row"],
                    "index_id_number",
                    p["index_id_number"],
                    "only a contact has an index case",
                )
            )
    errors += identity_errors(parsed, today)
    if errors:
        raise TableRejected(errors)
    return homes, keys


def _apply_line_list(
    parsed: list[dict[str, Any]],
    homes: dict[str, Area],
    known: dict[tuple[str, str], Person],
    *,
    actor: Any,
    rules: Any,
    progress: RowProgress,
) -> tuple[_Writer, list[tuple[int, tuple[str, str], Person, dt.date, str]]]:
    """Every row, oldest report first, through the state machine in memory; nothing is
    written. Refuses the file with every illegal step and unknown index case."""
    errors: list[RowError] = []
    writer = _Writer()
    links: list[tuple[int, tuple[str, str], Person, dt.date, str]] = []
    tell_at = progress.due
    # Once per file, not per row: the local day of each report time (they repeat by the
    # minute). The steps' reason is stored as its words (warroom.core.words).
    reason = gettext_noop("line list row %(row)s")
    days: dict[dt.datetime, dt.date] = {}
    for done, p in enumerate(sorted(parsed, key=lambda r: (r["reported_at"], r["_row"]))):
        if done == tell_at:  # once per chunk of rows
            progress.rows(done)
            tell_at = progress.due
        person = _person_of_row(p, homes, known, writer)
        error = _apply_line_list_row(
            p, person, writer, links, actor=actor, rules=rules, reason=reason, days=days
        )
        if error is not None:
            errors.append(error)
    for row, index_key, _contact, _day, _setting in links:
        if index_key not in known:
            errors.append(
                RowError(
                    row,
                    "index_id_number",
                    index_key[1],
                    "no person with this ID number (in the file or registered)",
                )
            )
    if errors:
        raise TableRejected(errors[:200], total=len(errors))
    return writer, links


def _person_of_row(
    p: dict[str, Any],
    homes: dict[str, Area],
    known: dict[tuple[str, str], Person],
    writer: _Writer,
) -> Person:
    """The registered person of a row, or a new one (added to the batch and to ``known``)."""
    key = (p["id_type"], p["id_number"]) if p["id_number"] else None
    person = known.get(key) if key else None
    if person is None:
        birth, sex = p["birth_date"], p["sex"] or "U"
        if p["id_number"] and p["id_type"] == IdType.RESIDENT:
            birth = birth or birth_date_of(p["id_number"])
            sex = p["sex"] or sex_of(p["id_number"])
        person = new_person(
            name=p["name"],
            id_type=p["id_type"],
            id_number=p["id_number"] or "",
            phone=p["phone"] or "",
            sex=sex,
            birth_date=birth,
            home=homes[p["home_code"]],
            workplace=p["workplace"] or "",
            created_at=p["reported_at"],
        )
        writer.new.append(person)
        if key:
            known[key] = person
    return person


def _apply_line_list_row(
    p: dict[str, Any],
    person: Person,
    writer: _Writer,
    links: list[tuple[int, tuple[str, str], Person, dt.date, str]],
    *,
    actor: Any,
    rules: Any,
    reason: str,
    days: dict[dt.datetime, dt.date],
) -> RowError | None:
    """One row through the state machine, in order: its category, severity, status,
    isolation and index case. The first illegal step is the row's error (the rest of the
    row is then not applied). ``reason`` is the steps' reason's msgid (``%(row)s`` for the row),
    ``days`` remembers the local day of each report time."""
    at = p["reported_at"]
    step_reason = say(reason, row=p["_row"])
    target = states.ENTRY[p["category"]]
    current_category = person.category if person.status in states.OPEN else ""
    if current_category != p["category"] and not (
        p["category"] == Category.CONFIRMED
        and person.status in (Status.ADMITTED, Status.DISCHARGED, Status.POST_DISCHARGE)
    ):
        path = [target]
        if person.status == Status.FEBRILE_TESTED and target == Status.CONFIRMED:
            path = [Status.SUSPECTED, Status.CONFIRMED]
        try:
            for step_target in path:
                writer.steps.append(
                    apply_transition(
                        person,
                        step_target,
                        at=at,
                        actor=actor,
                        reason=step_reason,
                        rules=rules,
                    )
                )
        except states.IllegalTransition as exc:
            return RowError(p["_row"], "category", p["category"], str(exc))
        except Conflict as exc:
            return RowError(p["_row"], "category", p["category"], exc.message)
        writer.touch(person)
    if (
        p["severity"]
        and person.category == Category.CONFIRMED
        and (p["severity"] != person.severity)
    ):
        person.severity = p["severity"]
        writer.severities.append(
            new_severity(
                person=person,
                severity=p["severity"],
                at=at,
                actor_name=getattr(actor, "username", "") or "system",
            )
        )
        writer.touch(person)
    if p["status"] and p["status"] != person.status:
        route = states.path(person.status, p["status"])
        if route is None or states.category_of(p["status"]) not in (p["category"], None):
            return RowError(
                p["_row"],
                "status",
                p["status"],
                f"a {p['category']} person now {person.status} cannot become "
                f"{p['status']} (allowed next: "
                f"{', '.join(states.allowed(person.status))})",
            )
        quarantine_kind = (
            p["isolation"] if p["isolation"] in (Isolation.HOME, Isolation.QUARANTINE) else None
        )
        try:
            for step_target in route:
                writer.steps.append(
                    apply_transition(
                        person,
                        step_target,
                        at=at,
                        actor=actor,
                        reason=step_reason,
                        rules=rules,
                        facility=p["facility"] or "",
                        isolation=quarantine_kind,
                    )
                )
        except (states.IllegalTransition, WarroomError) as exc:
            return RowError(p["_row"], "status", p["status"], str(exc))
        writer.touch(person)
    if p["isolation"] and (person.isolation, person.facility) != (
        p["isolation"],
        p["facility"] or "",
    ):
        try:
            if person.status == Status.CONTACT:
                writer.steps.append(
                    apply_transition(
                        person,
                        Status.QUARANTINED,
                        at=at,
                        actor=actor,
                        reason=step_reason,
                        rules=rules,
                        facility=p["facility"] or "",
                        isolation=p["isolation"],
                    )
                )
            else:
                apply_isolation(
                    person,
                    p["isolation"],
                    at=at,
                    facility=p["facility"] or "",
                    statuses=(*ISOLATABLE, Status.QUARANTINED),
                )
        except (states.IllegalTransition, WarroomError) as exc:
            return RowError(p["_row"], "isolation", p["isolation"], str(exc))
        writer.touch(person)
    if p["category"] == Category.CONTACT and p["index_id_number"]:
        day = p["exposure_date"]
        if not day:
            day = days.get(at)
            if day is None:
                day = days[at] = timezone.localdate(at)
        links.append(
            (
                p["_row"],
                (IdType.RESIDENT, p["index_id_number"]),
                person,
                day,
                p["setting"] or Setting.OTHER,
            )
        )
    return None


def _write_line_list(
    writer: _Writer,
    links: list[tuple[int, tuple[str, str], Person, dt.date, str]],
    known: dict[tuple[str, str], Person],
    *,
    actor: Any,
) -> None:
    """Write the batch in bulk: people, their steps and severities, new contact links."""
    writer.write_people(actor=actor)
    link_rows = {}
    for _, k, c, d, s in links:
        case = known[k]
        if case.id != c.id:  # the attributes: 20,000 links at W1
            link_rows[(case.id, c.id)] = new_link(case=case, contact=c, exposure_date=d, setting=s)
    with among({c for _, c in link_rows}, integer=True, array=True) as contacts:
        existing = set(
            ContactLink.objects.filter(contact_id__in=contacts).values_list("case_id", "contact_id")
        )
    insert_rows(
        ContactLink,
        [v for k, v in link_rows.items() if k not in existing],
        ["case", "contact", "exposure_date", "setting", "created_at"],
    )


@without_gc
def do_import_results(table: Table, *, actor: Any, sha256: str | None = None) -> CaseImportResult:
    """Import samples and lab results; each result moves its person by the rules."""
    kind = "cases-results"
    digest = sha256 or table.sha256
    parsed = parse_rows(table, RESULT_COLUMNS)
    rules = case_rules.current()
    progress = import_progress("results", len(parsed))
    with acting(actor), transaction.atomic():
        if previous_import(kind, digest, actor=actor) is not None:
            return CaseImportResult(kind, len(parsed), 0, 0, 0, True, digest)
        errors: list[RowError] = []
        keys = set()
        today = check_day()  # once for the file's numbers, not once per number
        for p in parsed:
            p["id_type"] = p["id_type"] or IdType.RESIDENT
            try:
                p["id_number"] = _validate_document(p["id_type"], p["id_number"], today)
                keys.add((p["id_type"], p["id_number"]))
            except ValueError as exc:
                errors.append(RowError(p["_row"], "id_number", p["id_number"], str(exc)))
            if p["result"] and not p["reported_at"]:
                errors.append(RowError(p["_row"], "reported_at", "", "a result needs its time"))
            for col in ("received_at", "reported_at"):
                if p[col] and p[col] < p["taken_at"]:
                    errors.append(
                        RowError(p["_row"], col, p[col].isoformat(), "earlier than the sampling")
                    )
        if errors:
            raise TableRejected(errors)
        known = _load_people(keys)
        own = getattr(actor, "area_path", "")
        for p in parsed:
            person = known.get((p["id_type"], p["id_number"]))
            if (
                person is None
                or person.merged_into_id is not None
                or (own and not person.home_path.startswith(own))  # type: ignore[attr-defined]
            ):
                errors.append(
                    RowError(p["_row"], "id_number", p["id_number"], "no such person in your area")
                )
        if errors:
            raise TableRejected(errors[:200], total=len(errors))
        pairs = {(p["lab"], p["sample_code"]) for p in parsed}
        samples: dict[tuple[str, str], Sample] = {}
        by_lab: dict[str, set[str]] = defaultdict(set)
        for lab, code in pairs:
            by_lab[lab].add(code)
        for lab, lab_codes in by_lab.items():  # a file names a few labs
            with among(lab_codes, array=True) as codes:
                # By lab and code, as the unique index is (its condition restated: a
                # partial index serves only a query implying it), not by code alone: a
                # scan of every sample ever taken, growing with the outbreak. Plain rows,
                # not from_db: no audit snapshot per sample (18,000 in a W1 file); the
                # samples given a result are written by update_rows, audited per batch.
                found = Sample.objects.filter(~Q(code=""), lab=lab, code__in=codes).order_by()
                for s in loaded(found):
                    samples[(s.lab, s.code)] = s
        negatives: dict[int, list[dt.datetime]] = defaultdict(list)
        with among([p.id for p in known.values()], integer=True, array=True) as person_ids:
            for pid, taken in Sample.objects.filter(
                person_id__in=person_ids, kind=SampleKind.NUCLEIC_ACID, result=Result.NEGATIVE
            ).values_list("person_id", "taken_at"):
                negatives[pid].append(taken)
        writer = _Writer()
        new_samples: list[Sample] = []
        reported: list[Sample] = []
        events: list[tuple[dt.datetime, int, int, Sample, Person]] = []
        tell_at = progress.due
        for done, p in enumerate(parsed):
            if done == tell_at:  # once per chunk of rows
                progress.rows(done)
                tell_at = progress.due
            person = known[(p["id_type"], p["id_number"])]
            key = (p["lab"], p["sample_code"])
            sample = samples.get(key)
            if sample is None:
                sample = new_sample(
                    person=person,
                    kind=p["kind"],
                    lab=p["lab"],
                    code=p["sample_code"],
                    taken_at=p["taken_at"],
                    received_at=p["received_at"],
                )
                samples[key] = sample
                new_samples.append(sample)
                events.append((p["taken_at"], 0, p["_row"], sample, person))
            elif sample.person_id != person.id or sample.kind != p["kind"]:
                errors.append(
                    RowError(
                        p["_row"],
                        "sample_code",
                        p["sample_code"],
                        "this sample is recorded for another person or kind",
                    )
                )
                continue
            if p["result"]:
                if sample.result and sample.result != p["result"]:
                    errors.append(
                        RowError(
                            p["_row"],
                            "result",
                            p["result"],
                            f"this sample already has the result {sample.result}",
                        )
                    )
                    continue
                if not sample.result:
                    sample.result, sample.reported_at = p["result"], p["reported_at"]
                    sample.received_at = p["received_at"] or sample.received_at
                    if sample.id is not None:
                        reported.append(sample)
                    events.append((p["reported_at"], 1, p["_row"], sample, person))
        if errors:
            raise TableRejected(errors[:200], total=len(errors))
        # The labels of a kind and a result, once per file (not per result: 50,000 at W1).
        labels: dict[tuple[str, str], tuple[Worded, Worded]] = {}
        for at, what, row, sample, person in sorted(events, key=itemgetter(0, 1, 2)):
            before = person.status
            try:
                if what == 0:
                    moved = person.status == Status.FEBRILE
                    if moved:
                        writer.steps.append(
                            apply_transition(
                                person,
                                Status.FEBRILE_TESTED,
                                at=at,
                                actor=actor,
                                reason=SAMPLE_TAKEN,
                                rules=rules,
                            )
                        )
                    # The person is written only if the sample changed him (a step, a
                    # test no longer owed): not every person sampled, each day.
                    if consume_test_due(person, at) or moved:
                        writer.touch(person)
                    continue
                if sample.kind == SampleKind.NUCLEIC_ACID and sample.result == Result.NEGATIVE:
                    negatives[person.id].append(sample.taken_at)
                since = person.category_since or sample.taken_at
                window = [t for t in negatives[person.id] if t >= since]
                targets, due = result_targets(person.status, sample.kind, sample.result, window)
                if targets:
                    named = labels.get((sample.kind, sample.result))
                    if named is None:
                        named = labels[(sample.kind, sample.result)] = (
                            label(SampleKind(sample.kind).label),
                            label(Result(sample.result).label),
                        )
                    reason = say(RESULT_REASON, kind=named[0], result=named[1], code=sample.code)
                for target in targets:
                    writer.steps.append(
                        apply_transition(
                            person, target, at=at, actor=actor, reason=reason, rules=rules
                        )
                    )
                if due is not None:
                    set_test_due(person, due, at)
                if targets or due is not None:
                    writer.touch(person)
            except (states.IllegalTransition, Conflict) as exc:
                errors.append(RowError(row, "result", sample.result, f"{before}: {exc}"))
        if errors:
            raise TableRejected(errors[:200], total=len(errors))
        insert_rows(Sample, new_samples, SAMPLE_FIELDS)
        update_rows(Sample, reported, ["result", "reported_at", "received_at"])
        writer.write_people(actor=actor)
        progress.rows(len(parsed), final=True)
        return _finish(
            kind,
            digest,
            table.filename,
            len(parsed),
            len(new_samples),
            len(reported),
            len(writer.steps),
            actor,
        )


def _repeated_days(parsed: list[dict[str, Any]]) -> list[RowError]:
    """A patient's day is kept once: two rows of it with different notes would be merged
    away without a word, so they are refused, naming both rows (repeats that agree are
    harmless and kept once)."""
    errors: list[RowError] = []
    seen: dict[tuple[str, str, dt.date], dict[str, Any]] = {}
    for p in parsed:
        other = seen.setdefault((p["id_type"], p["id_number"], p["date"]), p)
        if other is not p and (p["note"] or "") != (other["note"] or ""):
            errors.append(
                RowError(
                    p["_row"],
                    "note",
                    p["note"] or "",
                    f"this patient and day are also in row {other['_row']}, with another note",
                )
            )
    return errors


@without_gc
def do_import_treatments(
    table: Table, *, actor: Any, sha256: str | None = None
) -> CaseImportResult:
    """A hospital's daily treatment roll: one row per admitted patient and day (the
    'treat' duty, DESIGN §3.2), in bulk. All or nothing; idempotent (a record already kept
    for the person and day is left as it is)."""
    kind = "cases-treatments"
    digest = sha256 or table.sha256
    parsed = parse_rows(table, TREATMENT_COLUMNS)
    progress = import_progress("treatment roll", len(parsed))
    with acting(actor), transaction.atomic():
        if previous_import(kind, digest, actor=actor) is not None:
            return CaseImportResult(kind, len(parsed), 0, 0, 0, True, digest)
        errors: list[RowError] = []
        keys = set()
        today = check_day()  # once for the file's numbers, not once per number
        for p in parsed:
            p["id_type"] = p["id_type"] or IdType.RESIDENT
            try:
                p["id_number"] = _validate_document(p["id_type"], p["id_number"], today)
                keys.add((p["id_type"], p["id_number"]))
            except ValueError as exc:
                errors.append(RowError(p["_row"], "id_number", p["id_number"], str(exc)))
        if errors:
            raise TableRejected(errors)
        # What the roll reads of a patient: his status. It writes no person: a patient's
        # days treated are his treatment records (the roll's 25,000 patients a day at the
        # W1 peak were each rewritten for a "last treated" day that nothing read).
        known = _load_people(keys, only=("status",))
        own = getattr(actor, "area_path", "")
        tell_at = progress.due
        for done, p in enumerate(parsed):
            if done == tell_at:  # once per chunk of rows
                progress.rows(done)
                tell_at = progress.due
            person = known.get((p["id_type"], p["id_number"]))
            if person is None or (own and not person.home_path.startswith(own)):  # type: ignore[attr-defined]
                errors.append(
                    RowError(p["_row"], "id_number", p["id_number"], "no such person in your area")
                )
            elif person.status != Status.ADMITTED:
                errors.append(
                    RowError(
                        p["_row"],
                        "id_number",
                        p["id_number"],
                        f"treatment records are kept for admitted patients; this one is "
                        f"{person.status or 'in no category'}",
                    )
                )
        errors += _repeated_days(parsed)
        if errors:
            raise TableRejected(errors[:200], total=len(errors))
        wanted = {(known[(p["id_type"], p["id_number"])].pk, p["date"]): p for p in parsed}
        existing: set[tuple[int, dt.date]] = set()
        with among({pk for pk, _ in wanted}, integer=True, array=True) as patients:
            existing |= set(
                TreatmentRecord.objects.filter(
                    person_id__in=patients, date__in={d for _, d in wanted}
                ).values_list("person_id", "date")
            )
        now = timezone.now()
        new = [
            new_treatment(person_id=pk, date=day, at=now, note=p["note"] or "")
            for (pk, day), p in wanted.items()
            if (pk, day) not in existing
        ]
        insert_rows(TreatmentRecord, new, ["person", "date", "at", "note"])
        progress.rows(len(parsed), final=True)
        finish_import(
            kind,
            digest,
            actor=actor,
            filename=table.filename,
            rows=len(parsed),
            created=len(new),
            updated=0,
            object_type="cases.treatmentrecord",
            message=f"{kind}: {len(new)} treatment records from {table.filename or 'data'}",
        )
        return CaseImportResult(kind, len(parsed), len(new), 0, 0, False, digest)
