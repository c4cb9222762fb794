"""The rest of the sentences the platform stores, shown in the reader's language.

Appeal event notes, economy refusals, dispatch's and the lab import's step reasons, a
reopened compound's note and decertification reasons, visit findings, and import jobs'
stored errors: each written with one language active and read in both (the page and the
API), and the data migrations reading the texts written before back into words.
"""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from tests.conftest import resident_id
from tests.dispatch.conftest import facilities, make_person  # noqa: F401 (fixtures)
from tests.test_words import WRITERS, _api, _both, _page
from warroom.core import words
from warroom.core.context import SYSTEM
from warroom.core.words import Names, Worded, render, say

pytestmark = pytest.mark.django_db


def _migrate(*modules):
    from django.apps import apps
    from django.db import connection

    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    for name in modules:
        importlib.import_module(name).fill(apps, editor)


def _other(language):
    return "en" if language != "en" else "zh-hans"


# --- 1. appeal event notes ----------------------------------------------------------------


def _appeal(city, **kw):
    from warroom.appeals.models import Channel
    from warroom.appeals.services import do_file_appeal

    return do_file_appeal(
        channel=Channel.HOTLINE,
        text="孕妇要去医院产检没有车",
        area=city["990101001001001"],
        actor=SYSTEM,
        **kw,
    )


@pytest.mark.parametrize("writer", WRITERS)
def test_an_appeals_triage_and_escalation_notes_read_in_each_language(writer, city, hq, client):
    from warroom.appeals.models import AppealEvent
    from warroom.appeals.services import do_triage_appeal, escalate_overdue

    appeal = _appeal(city, category="transport", urgency="immediate")
    with translation.override(writer):
        do_triage_appeal(appeal, category="transport", urgency="urgent", note="家属着急", actor=hq)
        appeal.refresh_from_db()
        escalate_overdue(now=appeal.deadline + dt.timedelta(minutes=1))
    triaged = AppealEvent.objects.get(appeal=appeal, kind="triaged")
    note = _both(triaged, "note_shown")
    assert note["en"] == "Transport / Urgent 家属着急"
    assert note["zh-hans"] != note["en"] and note["zh-hans"].endswith("家属着急")
    assert triaged.note == note["zh-hans"]  # the text column: the default language's
    escalated = _both(AppealEvent.objects.get(appeal=appeal, kind="escalated"), "note_shown")
    assert (
        city["990101"].name_en in escalated["en"] or city["990101001"].name_en in (escalated["en"])
    )
    assert escalated["en"].startswith("Deadline ") and escalated["en"] != escalated["zh-hans"]
    client.force_login(hq)
    for language in ("en", "zh-hans"):
        assert note[language] in _page(client, f"/appeals/{appeal.pk}/", language)
        answer = _api(client, hq, f"/appeals/{appeal.pk}/events", language).json()
        item = next(e for e in answer if e["kind"] == "triaged")
        assert item["note"] == note[language]
        assert item["note_words"]["id"] == "%(category)s / %(urgency)s %(note)s"


def test_an_appeals_own_reason_is_kept_as_typed(city, hq):
    from warroom.appeals.models import AppealEvent
    from warroom.appeals.services import do_reassign_appeal

    appeal = _appeal(city, category="transport", urgency="normal")
    with translation.override("en"):
        do_reassign_appeal(appeal, to=city["990101001"], reason="街道有车", actor=hq)
    event = AppealEvent.objects.get(appeal=appeal, kind="reassigned")
    assert event.note_words is None and _both(event, "note_shown")["en"] == "街道有车"


def test_the_migration_reads_old_appeal_notes_back(city):
    from warroom.appeals.models import AppealEvent

    appeal = _appeal(city, category="transport", urgency="normal")
    zh_labels = f"{render(say('Transport'), 'zh-hans')} / {render(say('Urgent'), 'zh-hans')}"
    old = {
        "linked": ["已下团购订单", "Rebuttal published: 不要信", "自己写的"],
        "triaged": [f"{zh_labels} 家属着急", "Transport / Urgent", "Transport / 很急"],
        "escalated": [f"Deadline 2020-02-01 08:00 passed at {city['990101'].name_zh}"],
    }
    made = {}
    for kind, texts in old.items():
        for text in texts:
            made[text] = AppealEvent.objects.create(appeal=appeal, kind=kind, note=text).pk
    _migrate("warroom.appeals.migrations.0003_words")
    rows = {e.pk: e for e in AppealEvent.objects.filter(pk__in=made.values())}

    def shown(text):
        return _both(rows[made[text]], "note_shown")

    assert shown("已下团购订单") == {"en": "Group order placed", "zh-hans": "已下团购订单"}
    assert shown("Rebuttal published: 不要信")["zh-hans"] == render(
        say("Rebuttal published: %(t)s", t="不要信"), "zh-hans"
    )
    assert shown("Transport / Urgent") == {"en": "Transport / Urgent", "zh-hans": zh_labels}
    assert shown(f"{zh_labels} 家属着急")["en"] == "Transport / Urgent 家属着急"
    assert shown(old["escalated"][0])["en"] == (
        f"Deadline 2020-02-01 08:00 passed at {city['990101'].name_en}"
    )
    for kept in ("自己写的", "Transport / 很急"):
        assert rows[made[kept]].note_words is None
        assert shown(kept) == {"en": kept, "zh-hans": kept}


# --- 2. economy refusals --------------------------------------------------------------------


def _risky_business(city, officer, settings):
    from tests.economy.test_zones import _business, _confirm
    from warroom.core.today import today
    from warroom.economy.services import do_compute_risk_levels

    settings.WARROOM_RISK_CUMULATIVE = 1
    _confirm(city, 1)
    _confirm(city, 2)
    do_compute_risk_levels(today(), actor=SYSTEM)
    return _business(city, officer)


@pytest.mark.parametrize("writer", WRITERS)
def test_a_refused_application_reads_in_each_language(writer, city, officer, settings, client):
    from warroom.economy.api import ApplicationOut
    from warroom.economy.services import PLAN_ITEMS, do_apply_resumption

    business = _risky_business(city, officer, settings)
    plan = dict.fromkeys(PLAN_ITEMS, True) | {"masks": False, "ventilation": False}
    with translation.override(writer):
        app = do_apply_resumption(business, plan=plan, worker_ids=[], workers=10, actor=officer)
    assert app.status == "refused"
    street = city["990101001"]
    reason = _both(app, "reason_shown")
    assert reason["en"] == (
        f"{street.name_en} is a high-risk area: only essential supply, public utilities and "
        "medical production may run. The prevention plan lacks: Masks for every worker, "
        "Ventilation."
    )
    assert reason["zh-hans"].startswith(street.name_zh) and "、" in reason["zh-hans"]
    assert "Masks" not in reason["zh-hans"] and app.reason == reason["zh-hans"]
    client.force_login(officer)
    for language in ("en", "zh-hans"):
        page = _page(client, f"/zones/applications/{app.pk}/", language)
        assert reason[language] in page.replace("&#x27;", "'")
        with translation.override(language):  # the API's answer of this row
            out = ApplicationOut.from_orm(app).dict()
        assert out["reason"] == reason[language] and out["reason_words"] == app.reason_words
    # the API's own answer, in the request's language
    answer = client.post(
        f"/api/zones/businesses/{business.pk}/applications",
        {"plan": plan, "worker_ids": [], "workers": 10},
        content_type="application/json",
        HTTP_AUTHORIZATION=_token(officer),
        HTTP_ACCEPT_LANGUAGE=_other(writer),
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["reason"] == reason[_other(writer)]
    assert answer.json()["reason_words"] == app.reason_words


def _token(user):
    from warroom.accounts.services import do_create_token

    return f"Bearer {do_create_token(user, name='t', actor=SYSTEM)[1]}"


@pytest.mark.parametrize("writer", WRITERS)
def test_a_refused_traveller_reads_in_each_language(writer, city, officer, client):
    from warroom.cases.services import do_register_person
    from warroom.economy.models import TransportRequest
    from warroom.economy.services import do_health_check

    do_register_person(
        name="隔离者",
        home=city["990101001001001"],
        actor=officer,
        id_number=resident_id(55),
        category="contact",
    )
    request = TransportRequest.objects.create(
        kind="worker",
        name="隔离者",
        id_number=resident_id(55),
        area=city["990101001001001"],
        origin="武汉",
        destination="深圳",
        wanted=timezone.localdate(),
    )
    with translation.override(writer):
        do_health_check([request], actor=officer)
    request.refresh_from_db()
    reason = _both(request, "reason_shown")
    assert request.status == "refused"
    assert reason["en"].startswith("In quarantine or with an open case (")
    assert reason["zh-hans"] != reason["en"] and request.reason == reason["zh-hans"]
    assert "contact" not in reason["zh-hans"]  # the status's label, not its code
    client.force_login(officer)
    for language in ("en", "zh-hans"):
        assert reason[language] in _page(client, "/zones/transport/", language)


def test_the_migration_reads_old_refusals_back(city, officer, settings):
    from warroom.economy.models import ResumptionApplication, TransportRequest

    business = _risky_business(city, officer, settings)
    street = city["990101001"]
    old = [
        f"{street.name_zh} is a high-risk area: only essential supply, public utilities and "
        "medical production may run. The prevention plan lacks: Masks for every worker、"
        "Ventilation.",
        "No worker is cleared to return.",
        "店主自己写的原因",
    ]
    made = []
    for text in old:
        made.append(
            ResumptionApplication.objects.create(
                business=business, plan={}, workers=1, status="refused", reason=text
            ).pk
        )
    traveller = TransportRequest.objects.create(
        kind="worker",
        name="甲",
        id_number=resident_id(56),
        area=city["990101001001001"],
        origin="a",
        destination="b",
        wanted=timezone.localdate(),
        status="refused",
        reason="In quarantine or with an open case (contact).",
    )
    _migrate("warroom.economy.migrations.0004_words")
    rows = {a.pk: a for a in ResumptionApplication.objects.filter(pk__in=made)}
    first = _both(rows[made[0]], "reason_shown")
    assert first["en"] == old[0].replace(street.name_zh, street.name_en).replace("、", ", ")
    assert "Masks" not in first["zh-hans"] and street.name_zh in first["zh-hans"]
    assert _both(rows[made[1]], "reason_shown")["en"] == old[1]
    assert rows[made[1]].reason_words == {"id": "No worker is cleared to return."}
    assert rows[made[2]].reason_words is None
    assert _both(rows[made[2]], "reason_shown")["en"] == "店主自己写的原因"
    traveller.refresh_from_db()
    shown = _both(traveller, "reason_shown")
    assert shown["en"] == "In quarantine or with an open case (Close contact)." or (
        shown["en"].startswith("In quarantine or with an open case (")
        and "contact" not in shown["zh-hans"]
    )


# --- 3. dispatch's and the lab import's step reasons ---------------------------------------


@pytest.mark.parametrize("writer", WRITERS)
def test_a_placement_by_hand_and_a_transfer_read_in_each_language(
    writer,
    facilities,  # noqa: F811
    make_person,  # noqa: F811
    hq,
    client,
):
    from warroom.cases.models import TransitionRecord
    from warroom.dispatch import services

    person = make_person("confirmed", severity="severe")
    with translation.override(writer):
        placement = services.do_place_person(person, facilities["DA1"], "ICU", actor=hq)
        services.do_transfer_person(placement, facilities["DA1"], "SEVERE", actor=hq)
    steps = TransitionRecord.objects.filter(person=person, target="admitted")
    placed = _both(steps.get(), "reason_shown")
    assert placed == {
        "en": "placed by hand in 甲区定点医院",
        "zh-hans": render(
            say("placed by hand in %(facility)s", facility="甲区定点医院"), "zh-hans"
        ),
    }
    assert placed["en"] != placed["zh-hans"]
    client.force_login(hq)
    for language in ("en", "zh-hans"):
        assert placed[language] in _page(client, f"/cases/people/{person.pk}/", language)
        answer = _api(client, hq, f"/cases/people/{person.pk}/transitions", language)
        assert placed[language] in [t["reason"] for t in answer.json()]


def test_a_transfers_reason_is_worded_and_an_end_without_note_is_a_label():
    from warroom.dispatch.models import Outcome
    from warroom.dispatch.placing import MOVES

    w = say(MOVES["step_down"], **{"from": "ICU", "to": "SEVERE", "facility": "甲区定点医院"})
    assert render(w, "en") == "stepped down: ICU → SEVERE (甲区定点医院)"
    assert render(w, "zh-hans") != render(w, "en") and "甲区定点医院" in render(w, "zh-hans")
    ended = words.label(Outcome.DISCHARGED.label)
    assert render(ended, "en") == "Discharged" and render(ended, "zh-hans") != "Discharged"


@pytest.mark.parametrize("writer", WRITERS)
def test_a_lab_result_import_shows_labels_not_codes(writer, city, officer, client):
    from warroom.cases.imports import do_import_results
    from warroom.cases.models import TransitionRecord
    from warroom.cases.services import do_register_person
    from warroom.tables import read_table

    person = do_register_person(
        name="发热",
        home=city["990101001001001"],
        actor=officer,
        id_number=resident_id(8),
        category="febrile",
    )
    taken = (timezone.localtime() - dt.timedelta(hours=5)).strftime("%Y-%m-%d %H:%M")
    reported = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    text = (
        "id_number,lab,sample_code,kind,taken_at,result,reported_at\n"
        f"{resident_id(8)},L1,S-9,nucleic_acid,{taken},positive,{reported}\n"
    )
    with translation.override(writer):
        do_import_results(read_table(text.encode(), filename="lab.csv"), actor=officer)
    step = TransitionRecord.objects.get(person=person, target="confirmed")
    shown = _both(step, "reason_shown")
    assert shown["en"] == "Nucleic acid Positive (S-9)"
    assert "nucleic_acid" not in shown["zh-hans"] and "S-9" in shown["zh-hans"]
    assert shown["zh-hans"] != shown["en"]
    client.force_login(officer)
    for language in ("en", "zh-hans"):
        answer = _api(client, officer, f"/cases/people/{person.pk}/transitions", language)
        assert shown[language] in [t["reason"] for t in answer.json()]


def test_the_migration_reads_old_step_reasons_back(city, officer):
    from warroom.cases.models import TransitionRecord
    from warroom.cases.services import do_register_person

    person = do_register_person(
        name="甲",
        home=city["990101001001001"],
        actor=officer,
        id_number=resident_id(9),
        category="suspected",
    )
    step = TransitionRecord.objects.get(person=person)
    old = [
        "nucleic_acid positive (S-1)",
        "Nucleic acid Negative (S-2)",
        "dispatch proposal #12",
        "placed by hand in 甲区方舱医院",
        "step_up: GENERAL → ICU (甲区定点医院)",
        "discharged",
        "nucleic_acid sideways (S-3)",
        "家属自己写的",
    ]
    made = []
    for text in old:
        step.pk = None
        step.reason, step.reason_words = text, None
        step.save()
        made.append(step.pk)
    _migrate("warroom.cases.migrations.0014_words")
    rows = {r.pk: r for r in TransitionRecord.objects.filter(pk__in=made)}
    en = [_both(rows[pk], "reason_shown")["en"] for pk in made]
    assert en[:6] == [
        "Nucleic acid Positive (S-1)",
        "Nucleic acid Negative (S-2)",
        "dispatch proposal #12",
        "placed by hand in 甲区方舱医院",
        "stepped up: GENERAL → ICU (甲区定点医院)",
        "Discharged",
    ]
    zh = [_both(rows[pk], "reason_shown")["zh-hans"] for pk in made]
    assert all(a != b for a, b in zip(en[:6], zh[:6], strict=True))
    assert rows[made[0]].reason_words["values"]["kind"] == {"id": "Nucleic acid"}
    for kept in (6, 7):
        assert rows[made[kept]].reason_words is None and zh[kept] == en[kept] == old[kept]


# --- 4. a reopened compound's note, decertification reasons --------------------------------


@pytest.mark.parametrize("writer", WRITERS)
def test_a_reopened_compounds_note_reads_in_each_language(
    writer, city, hq, case_facts, settings, grid_worker, inspector, client
):
    from tests.communities.test_reopening import VICTIM
    from tests.communities.test_reopening import certified_city as _certified
    from warroom.communities.models import ClosureStatus
    from warroom.communities.services import do_apply_reopening, do_decide_reopening

    _certified.__wrapped__(city, hq, case_facts, settings)
    victim = city[VICTIM]
    app = do_apply_reopening(victim, note="ready", actor=grid_worker)
    with translation.override(writer):
        do_decide_reopening(app, approve=True, note="同意", actor=inspector)
    row = ClosureStatus.objects.get(area=victim, status="open")
    note = _both(row, "note_shown")
    assert note["en"] == "Reopened" and note["zh-hans"] == render(say("Reopened"), "zh-hans")
    assert note["zh-hans"] != "Reopened" and row.note == note["zh-hans"]
    client.force_login(hq)
    for language in ("en", "zh-hans"):
        assert note[language] in _page(client, f"/communities/areas/{VICTIM}/closure/", language)
        answer = _api(client, hq, f"/communities/areas/{VICTIM}/closure", language).json()
        assert answer[0]["note"] == note[language] and answer[0]["note_words"] == {"id": "Reopened"}


@pytest.mark.parametrize("writer", WRITERS)
def test_a_decertification_reads_in_each_language(writer, city, hq, case_facts, settings, client):
    from tests.communities.test_reopening import VICTIM
    from tests.communities.test_reopening import certified_city as _certified
    from warroom.cases.services import do_register_person
    from warroom.communities.models import CertificationEvent

    day = _certified.__wrapped__(city, hq, case_facts, settings)
    with translation.override(writer):
        person = do_register_person(
            name="新确诊",
            home=city[VICTIM],
            actor=hq,
            id_number=resident_id(77),
            category="confirmed",
        )
    event = CertificationEvent.objects.filter(kind="decertified", area=city[VICTIM]).get()
    reason = _both(event, "reason_shown")
    assert reason["en"] == f"confirmed case #{person.pk} ({day.isoformat()})"
    assert reason["zh-hans"] != reason["en"] and str(person.pk) in reason["zh-hans"]
    client.force_login(hq)
    for language in ("en", "zh-hans"):
        assert reason[language] in _page(client, "/communities/", language)
        answer = _api(client, hq, f"/communities/areas/{VICTIM}/certification", language)
        texts = answer.json()["reason_texts"]
        assert any(reason[language] in t for t in texts), texts
        assert answer.json()["reasons"]["new_case"]["id"] == "confirmed case #%(id)s (%(day)s)"


def test_a_lost_certifications_codes_are_named_in_the_readers_language(city):
    from warroom.communities.models import CertificationEvent

    event = CertificationEvent(
        area=city["990101001001001"], date=timezone.localdate(), kind="lost", reason="backlog"
    )
    shown = _both(event, "reason_shown")
    assert shown["en"] == "open clearance backlog" and shown["zh-hans"] != shown["en"]


def test_the_migration_reads_old_community_texts_back(city):
    from warroom.communities.models import CertificationEvent, CertificationStatus, ClosureStatus

    victim = city["990101001001001"]
    closures = [
        ClosureStatus.objects.create(area=victim, status="open", note=note).pk
        for note in ("已解封", "Reopened", "门卫说的")
    ]
    event = CertificationEvent.objects.create(
        area=victim,
        date=timezone.localdate(),
        kind="decertified",
        reason="confirmed case #7 (2020-02-01)",
    )
    status = CertificationStatus.objects.create(
        area=victim,
        date=timezone.localdate(),
        level="compound",
        status="not_certified",
        reasons={"new_case": "confirmed case #7 (2020-02-01)"},
    )
    _migrate("warroom.communities.migrations.0007_words")
    rows = {c.pk: c for c in ClosureStatus.objects.filter(pk__in=closures)}
    assert [_both(rows[pk], "note_shown")["en"] for pk in closures] == [
        "Reopened",
        "Reopened",
        "门卫说的",
    ]
    assert rows[closures[2]].note_words is None
    event.refresh_from_db()
    status.refresh_from_db()
    assert _both(event, "reason_shown")["zh-hans"] != "confirmed case #7 (2020-02-01)"
    assert status.reasons["new_case"] == event.reason_words
    with translation.override("en"):
        assert status.reason_texts == ["decertified by a new case: confirmed case #7 (2020-02-01)"]


# --- 5. visit findings ------------------------------------------------------------------------


@pytest.mark.parametrize("writer", WRITERS)
def test_a_visit_finding_reads_in_each_language(writer, city, officer, hq, client):
    from warroom.supervision.models import Finding
    from warroom.supervision.services import ItemResult, checklist_in_use, do_record_visit

    items = list(checklist_in_use("street").items.all())
    failed = items[0]
    with translation.override(writer):
        do_record_visit(
            kind="street",
            area=city["990101001"],
            date=timezone.localdate(),
            results={i.code: ItemResult(i.pk != failed.pk, "门岗无人") for i in items},
            announced=False,
            owner=officer,
            actor=hq,
        )
    finding = Finding.objects.get()
    problem = _both(finding, "problem_shown")
    assert problem == {
        "en": f"{failed.text_en or failed.text_zh}: 门岗无人",
        "zh-hans": f"{failed.text_zh}：门岗无人",
    }
    assert finding.problem == problem["zh-hans"]  # the text as it always was
    assert _both(finding.task, "description_shown") == problem
    client.force_login(hq)
    for language in ("en", "zh-hans"):
        assert problem[language] in _page(client, f"/supervision/findings/{finding.pk}/", language)
        answer = _api(client, hq, f"/supervision/findings/{finding.pk}", language).json()
        assert answer["problem"] == problem[language]
        assert answer["problem_words"]["id"] == "%(item)s: %(note)s"


def test_the_migration_reads_old_findings_back(city, officer, hq):
    from warroom.supervision.models import Finding
    from warroom.supervision.services import ItemResult, checklist_in_use, do_record_visit

    items = list(checklist_in_use("street").items.all())
    do_record_visit(
        kind="street",
        area=city["990101001"],
        date=timezone.localdate(),
        results={i.code: ItemResult(False, "见问题" if i == items[0] else "") for i in items},
        announced=False,
        owner=officer,
        actor=hq,
    )
    findings = list(Finding.objects.order_by("pk").select_related("item", "task"))
    old = [f"{findings[0].item.text_zh}：见问题", findings[1].item.text_zh, "督导自己写的"]
    for finding, text in zip(findings, old, strict=False):
        Finding.objects.filter(pk=finding.pk).update(problem=text, problem_words=None)
        type(finding.task).objects.filter(pk=finding.task_id).update(
            description=text, description_words=None
        )
    _migrate("warroom.supervision.migrations.0005_words")
    rows = [Finding.objects.select_related("item", "task").get(pk=f.pk) for f in findings]
    assert _both(rows[0], "problem_shown")["en"] == f"{items[0].text_en}: 见问题"
    assert _both(rows[0].task, "description_shown")["en"] == f"{items[0].text_en}: 见问题"
    assert _both(rows[1], "problem_shown")["en"] == rows[1].item.text_en
    assert rows[2].problem_words is None and rows[2].problem == "督导自己写的"


# --- 6. import jobs' stored errors --------------------------------------------------------


def test_a_refused_import_jobs_reasons_read_in_each_language(city, officer, client):
    from warroom.communities.imports import do_import_closures
    from warroom.core.jobs import enqueue_import, work
    from warroom.core.models import Job

    day = timezone.localdate().isoformat()
    bad = f"area_code,status,date\n990101001,closed,{day}\n".encode()  # a street
    queued = enqueue_import(do_import_closures, bad, "bad.csv", actor=officer)
    with translation.override("zh-hans"):  # the worker's language
        assert work(burst=True) == 1
    failed = Job.objects.get(pk=queued.pk)
    error = failed.result["rejected"]["errors"][0]
    assert (error["row"], error["column"], error["value"]) == (2, "area_code", "990101001")
    assert error["reason_words"] == {"id": "Closure is recorded for compounds."}
    with translation.override("zh-hans"):
        zh = translation.gettext("Closure is recorded for compounds.")
    assert error["reason"] == zh != "Closure is recorded for compounds."  # as written
    client.force_login(officer)
    assert "Closure is recorded for compounds." in _page(client, f"/jobs/{queued.pk}/", "en")
    assert zh in _page(client, f"/jobs/{queued.pk}/", "zh-hans")


def test_a_failed_jobs_error_reads_in_each_language(officer, client):
    from warroom.core.jobs import _error
    from warroom.core.models import Job

    with translation.override("zh-hans"):
        text = translation.gettext("The date is in the future.")
    stopped = Job.objects.create(
        name="x", status="failed", run_after=timezone.now(), created_by=officer, **_error(text)
    )
    assert stopped.error == text and stopped.error_words == {"id": "The date is in the future."}
    assert _both(stopped, "error_shown") == {"en": "The date is in the future.", "zh-hans": text}
    client.force_login(officer)
    assert "The date is in the future." in _page(client, f"/jobs/{stopped.pk}/", "en")
    own = _error("RuntimeError: the network dropped")
    assert own == {"error": "RuntimeError: the network dropped", "error_words": None}


def test_the_migration_reads_old_job_errors_back(officer):
    from warroom.core.models import Job

    with translation.override("zh-hans"):
        zh = translation.gettext("Closure is recorded for compounds.")
    rejected = Job.objects.create(
        name="core.import",
        status="failed",
        run_after=timezone.now(),
        error="The file was refused, nothing was imported (2 problem(s)):",
        result={
            "rejected": {
                "total": 2,
                "errors": [
                    {"row": 2, "column": "area_code", "value": "1", "reason": zh},
                    {"row": 3, "column": "x", "value": "", "reason": "a typed thing"},
                ],
            }
        },
    )
    unknown = Job.objects.create(
        name="gone", status="failed", run_after=timezone.now(), error="unknown job 'gone'"
    )
    _migrate("warroom.core.migrations.0009_words")
    rejected.refresh_from_db()
    unknown.refresh_from_db()
    first, second = rejected.result["rejected"]["errors"]
    assert first["reason"] == zh and first["reason_words"] == {
        "id": "Closure is recorded for compounds."
    }
    assert second["reason_words"] is None and second["row"] == 3
    assert _both(unknown, "error_shown")["en"] == "unknown job gone"


# --- the catalogue's reading of a stored text ---------------------------------------------


def test_a_stored_text_is_recognised_in_either_language_or_not_at_all():
    w = say(gettext_noop("The same compound and date as row %(row)s."), row=7)
    for language in ("en", "zh-hans"):
        assert words.recognise(render(w, language)) == w
    assert words.recognise("a person's own words") is None
    assert words.recognise("") is None
    assert words.recognise(render(say("%(item)s: %(note)s", item="a", note="b"), "en")) is None


def test_joined_sentences_and_items_follow_the_reader():
    parts = [say("No worker is cleared to return."), "自己写的"]
    w = words.joined(parts)
    assert isinstance(w, Worded) and render(w, "en") == "No worker is cleared to return. 自己写的"
    items = words.joined([Names("甲", "A"), Names("乙", "B"), Names("丙", "C")], words.ITEMS)
    assert render(items, "en") == "A, B, C" and render(items, "zh-hans") == "甲、乙、丙"
    assert words.joined([]) == "" and words.joined(["one"]) == "one"


@pytest.mark.parametrize("writer", WRITERS)
def test_a_facilitys_report_reads_in_each_language(
    writer,
    facilities,  # noqa: F811
    make_person,  # noqa: F811
    hq,
    client,
):
    from warroom.cases.models import TransitionRecord
    from warroom.dispatch.models import Placement
    from warroom.dispatch.moves import do_record_facility_moves

    person = make_person("confirmed", severity="mild")
    with translation.override(writer):
        do_record_facility_moves(
            facilities["SA1"], admissions=[(person.pk, "SHELTER")], discharges=[], actor=hq
        )
        do_record_facility_moves(
            facilities["SA1"], admissions=[], discharges=[(person.pk, "discharged")], actor=hq
        )
    placement = Placement.objects.get(person=person)
    note = _both(placement, "note_shown")
    assert note["en"] == "facility report" and note["zh-hans"] != note["en"]
    step = TransitionRecord.objects.get(person=person, target="discharged")
    assert _both(step, "reason_shown") == note
    client.force_login(hq)
    for language in ("en", "zh-hans"):
        assert note[language] in _page(client, f"/dispatch/people/{person.pk}/", language)
        answer = _api(client, hq, f"/cases/people/{person.pk}/transitions", language)
        assert note[language] in [t["reason"] for t in answer.json()]
