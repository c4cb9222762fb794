"""Words the platform stores are shown in the reader's language, whatever the writer's.

Each record below is written with one language active (the daily cycle, an import, a
request) and read in both: Chinese and English readers see their own language's sentence
(warroom.core.words), the values carried over; a record written before words were stored
keeps its text, and the data migration reads known sentences back into words.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from tests.conftest import resident_id
from warroom.core import words
from warroom.core.context import SYSTEM
from warroom.core.words import Names, Worded, render, say

WRITERS = ["en", "zh-hans"]

# --- the door itself ----------------------------------------------------------------------


def test_a_sentence_is_rendered_in_each_language_with_its_values():
    w = say(gettext_noop("line list row %(row)s"), row=17)
    assert render(w, "en") == "line list row 17"
    assert render(w, "zh-hans") == "个案名单第 17 行"
    with translation.override("en"):
        assert str(w) == "line list row 17"
    with translation.override("zh-hans"):
        assert str(w) == "个案名单第 17 行"


def test_labels_and_names_inside_a_sentence_follow_the_reader():
    from warroom.economy.models import RiskLevel

    with translation.override("zh-hans"):  # the writer's language does not leak in
        w = say(
            gettext_noop("%(area)s rose to %(level)s: %(n)s resumption approvals suspended"),
            area=Names("甲区", "District A"),
            level=words.label(RiskLevel("high").label),
            n=2,
        )
    assert w.values["level"] == Worded("High risk")
    english, chinese = render(w, "en"), render(w, "zh-hans")
    assert english == "District A rose to High risk: 2 resumption approvals suspended"
    assert chinese.startswith("甲区") and "高风险" in chinese and "2" in chinese
    assert Names("甲区").in_language("en") == "甲区"  # no English name: the Chinese one


def test_the_stored_form_is_json_and_reads_back_the_same():
    import json

    w = say(
        gettext_noop("Signal: %(s)s"),
        s=say(gettext_noop("Price spike")),
        area=Names("甲区", "District A"),
        n=3,
        pct=12.5,
    )
    stored = json.loads(json.dumps(w.as_json()))
    assert Worded.from_json(stored) == w
    assert Worded.from_json(None) is None and Worded.from_json({"no": "id"}) is None


def test_the_text_column_is_the_default_language_whatever_the_writer_had_active():
    w = say(gettext_noop("sample taken"))
    for language in WRITERS:
        with translation.override(language):
            assert words.stored_text(w) == "已采样"
            assert words.stored_text("typed by a person") == "typed by a person"
            assert words.words_of("typed by a person") is None


def test_a_record_without_words_is_shown_as_it_was_written():
    assert words.shown("张三自己写的原因", None, "en") == "张三自己写的原因"
    assert words.shown("x", {"id": "sample taken"}, "zh-hans") == "已采样"


def test_a_catalogue_out_of_step_with_the_values_shows_the_message_id():
    w = Worded("%(missing)s and %(n)s", {"n": 1})
    assert render(w, "en") == "%(missing)s and %(n)s"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_legacy_text_in_either_language_reads_back_as_its_words(language):
    msgids = ["%(area)s: %(n)s people waiting for a bed over 24 hours.", "line list row %(row)s"]
    w = say(msgids[0], area=Names("甲区", "District A"), n=12)
    text = render(say(msgids[0], area="甲区", n=12), language)  # as the old code wrote it
    back = words.parse(text, msgids, names={"甲区": Names("甲区", "District A")})
    assert back == w
    assert words.parse(render(say(msgids[1], row=7), language), msgids) == say(msgids[1], row=7)
    assert words.parse("a person's own words", msgids) is None


# --- the records users read daily -----------------------------------------------------------


def _api(client, user, path, language):
    from warroom.accounts.services import do_create_token

    token = do_create_token(user, name=f"t-{language}", actor=SYSTEM)[1]
    return client.get(
        f"/api{path}", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language
    )


def _page(client, path, language):
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def _both(obj, attribute):
    out = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            out[language] = getattr(obj, attribute)
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("writer", WRITERS)
def test_a_signal_written_in_one_language_reads_in_each(writer, city, officer, settings):
    from warroom.cases.models import Person
    from warroom.cases.services import do_register_person
    from warroom.core.models import Notification
    from warroom.supervision.models import Signal
    from warroom.supervision.signals import do_raise_signals

    waiting = do_register_person(
        name="等床",
        home=city["990101001001001"],
        actor=officer,
        id_number=resident_id(401),
        category="confirmed",
    )
    Person.objects.filter(pk=waiting.pk).update(
        confirmed_at=timezone.now() - dt.timedelta(hours=30)
    )
    with translation.override(writer):
        do_raise_signals(timezone.localdate(), actor=SYSTEM)
    row = Signal.objects.get(name="waiting_over_24h")
    shown = _both(row, "message_shown")
    name = city["990101"]
    assert shown["en"] == f"{name.name_en}: 1 people waiting for a bed over 24 hours."
    assert shown["zh-hans"] == render(
        say(
            gettext_noop("%(area)s: %(n)s people waiting for a bed over 24 hours."),
            area=name.name_zh,
            n=1,
        ),
        "zh-hans",
    )
    assert shown["en"] != shown["zh-hans"] and row.message == shown["zh-hans"]
    note = Notification.objects.get(kind="signal", user=officer)
    assert _both(note, "title_shown") == {
        "en": "Signal: People waiting over 24 hours",
        "zh-hans": render(say("Signal: %(s)s", s=say("People waiting over 24 hours")), "zh-hans"),
    }
    assert _both(note, "body_shown") == shown
    # The cycle run again in the other language changes nothing: the words are the same.
    other = "zh-hans" if writer == "en" else "en"
    with translation.override(other):
        do_raise_signals(timezone.localdate(), actor=SYSTEM)
    again = Signal.objects.get(pk=row.pk)
    assert (again.message, again.message_words) == (row.message, row.message_words)
    assert Notification.objects.filter(kind="signal", user=officer).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("writer", WRITERS)
def test_the_signals_page_and_api_answer_in_the_readers_language(writer, city, hq, client):
    from warroom.supervision.models import Signal

    w = say(
        gettext_noop("%(area)s: %(n)s health workers confirmed in 7 days."),
        area=words.area_name(city["990101"]),
        n=4,
    )
    with translation.override(writer):
        Signal.objects.create(
            name="health_worker_infections",
            area=city["990101"],
            day=timezone.localdate(),
            value=4,
            threshold=1,
            message=words.stored_text(w),
            message_words=words.words_of(w),
        )
    client.force_login(hq)
    for language in ("en", "zh-hans"):
        assert render(w, language) in _page(client, "/supervision/signals/", language)
        answer = _api(client, hq, "/supervision/signals", language).json()
        item = (answer["items"] if isinstance(answer, dict) else answer)[0]
        assert item["message"] == render(w, language)
        assert item["message_words"] == w.as_json()


@pytest.mark.django_db
@pytest.mark.parametrize("writer", WRITERS)
def test_a_line_list_steps_reason_reads_in_each_language(writer, city, officer):
    from warroom.cases.imports import do_import_line_list
    from warroom.cases.models import TransitionRecord
    from warroom.tables import read_table

    when = (timezone.localtime() - dt.timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    text = (
        "姓名,证件号码,联系电话,住址小区编码,类别,报告时间,病情,指示病例证件号码,暴露日期,接触场所\n"
        f"张三,{resident_id(1)},,990101001001001,确诊,{when},重型,,,\n"
    )
    with translation.override(writer):
        do_import_line_list(read_table(text.encode(), filename="cases.csv"), actor=officer)
    step = TransitionRecord.objects.get()
    assert _both(step, "reason_shown") == {"en": "line list row 2", "zh-hans": "个案名单第 2 行"}
    assert step.reason == "个案名单第 2 行"


@pytest.mark.django_db
@pytest.mark.parametrize("writer", WRITERS)
def test_a_sample_taken_and_its_result_read_in_each_language(writer, city, officer, client):
    from warroom.cases.models import TransitionRecord
    from warroom.cases.services import do_record_result, do_record_sample, do_register_person

    person = do_register_person(
        name="发热",
        home=city["990101001001001"],
        actor=officer,
        id_number=resident_id(8),
        category="febrile",
    )
    with translation.override(writer):
        sample = do_record_sample(person, kind="nucleic_acid", code="S-1", actor=officer)
        do_record_result(sample, result="positive", actor=officer)
    steps = list(TransitionRecord.objects.filter(person=person).order_by("at", "pk"))
    taken = next(s for s in steps if s.target == "febrile_tested")
    assert _both(taken, "reason_shown") == {"en": "sample taken", "zh-hans": "已采样"}
    result = steps[-1]
    shown = _both(result, "reason_shown")
    assert shown["en"] == "Nucleic acid Positive (S-1)"
    assert shown["zh-hans"] == render(
        say(
            "%(kind)s %(result)s (%(code)s)",
            kind=say("Nucleic acid"),
            result=say("Positive"),
            code="S-1",
        ),
        "zh-hans",
    )
    assert "S-1" in shown["zh-hans"] and shown["zh-hans"] != shown["en"]
    # the person's page, and the API's history, in the reader's language
    client.force_login(officer)
    for language in ("en", "zh-hans"):
        assert shown[language] in _page(client, f"/cases/people/{person.pk}/", language)
        answer = _api(client, officer, f"/cases/people/{person.pk}/transitions", language)
        assert shown[language] in [t["reason"] for t in answer.json()]


@pytest.mark.django_db
@pytest.mark.parametrize("writer", WRITERS)
def test_a_rectification_task_the_platform_opens_reads_in_each_language(
    writer, city, officer, inspector, client
):
    from warroom.communities.inspecting import ItemResult, do_record_inspection
    from warroom.communities.models import ChecklistItem
    from warroom.tasks.models import Task

    items = list(
        ChecklistItem.objects.filter(checklist__kind="six_in_place", checklist__active=True)
    )
    failed = items[0]
    with translation.override(writer):
        do_record_inspection(
            city["990101001001001"],
            kind="six_in_place",
            date=timezone.localdate(),
            results={i.code: ItemResult(i.pk != failed.pk, "门岗无人") for i in items},
            owner=officer,
            deadline=timezone.localdate() + dt.timedelta(days=3),
            actor=inspector,
        )
    task = Task.objects.get(source_kind="inspection")
    title = _both(task, "title_shown")
    assert title == {
        "en": f"Rectify: {failed.text_en or failed.text_zh}",
        "zh-hans": render(say("Rectify: %(item)s", item=failed.text_zh), "zh-hans"),
    }
    description = _both(task, "description_shown")
    assert description["en"].startswith(
        f"Failed at the inspection of {city['990101001001001'].name_en}"
    )
    assert "门岗无人" in description["en"] and "门岗无人" in description["zh-hans"]
    assert description["en"] != description["zh-hans"]
    client.force_login(officer)
    for language in ("en", "zh-hans"):
        assert title[language] in _page(client, f"/tasks/{task.pk}/", language)
        answer = _api(client, officer, f"/tasks/{task.pk}", language).json()
        assert answer["title"] == title[language]
        assert answer["title_words"]["id"] == "Rectify: %(item)s"


@pytest.mark.django_db
@pytest.mark.parametrize("writer", WRITERS)
def test_a_level_rise_reads_in_each_language(writer, city, officer, inspector, settings):
    from tests.economy.test_zones import _apply, _business, _confirm
    from warroom.core.models import Notification
    from warroom.core.today import today
    from warroom.economy.services import do_compute_risk_levels, do_decide_resumption

    settings.WARROOM_RISK_CUMULATIVE = 1
    _confirm(city, 1)
    do_compute_risk_levels(today(), actor=SYSTEM)
    app = do_decide_resumption(
        _apply(_business(city, officer), officer), approve=True, actor=inspector
    )
    _confirm(city, 2)
    with translation.override(writer):
        do_compute_risk_levels(today() + dt.timedelta(days=1), actor=SYSTEM)
    app.refresh_from_db()
    street = city["990101001"]
    reason = _both(app, "reason_shown")
    assert reason["en"] == (
        f"Suspended on {(today() + dt.timedelta(days=1)).isoformat()}: "
        f"{street.name_en} rose to High risk."
    )
    assert street.name_zh in reason["zh-hans"] and "高风险" in reason["zh-hans"]
    note = Notification.objects.filter(kind="level_rose").first()
    assert _both(note, "title_shown")["en"].startswith(f"{street.name_en} rose to High risk")


@pytest.mark.django_db
def test_a_rising_level_signal_reads_in_each_language(city, hq):
    from warroom.core.today import today
    from warroom.economy.services import do_compute_risk_levels, do_override_level
    from warroom.supervision.models import Signal
    from warroom.supervision.signals import do_raise_signals

    day = today()
    do_compute_risk_levels(day - dt.timedelta(days=1), actor=SYSTEM)
    do_compute_risk_levels(day, actor=SYSTEM)
    do_override_level(city["990101001"], day, level="high", reason="方舱医院聚集", actor=hq)
    with translation.override("en"):
        do_raise_signals(day, actor=SYSTEM)
    found = _both(Signal.objects.get(name="risk_level_rose"), "message_shown")
    street = city["990101001"]
    assert found["en"] == f"{street.name_en} rose from Low risk to High risk (方舱医院聚集)."
    assert found["zh-hans"].startswith(street.name_zh) and "高风险" in found["zh-hans"]
    assert "方舱医院聚集" in found["zh-hans"]  # the officer's own reason, as typed


@pytest.mark.django_db
def test_a_persons_own_text_is_kept_as_typed(city, officer):
    from warroom.cases.models import TransitionRecord
    from warroom.cases.services import do_register_person, do_transition_person
    from warroom.tasks.services import do_create_task

    person = do_register_person(
        name="甲",
        home=city["990101001001001"],
        actor=officer,
        id_number=resident_id(9),
        category="suspected",
    )
    with translation.override("en"):
        do_transition_person(person, "excluded", actor=officer, reason="核酸两次阴性")
        task = do_create_task(
            title="Complaint 12",
            area=city["990101001001001"],
            owner=officer,
            deadline=timezone.localdate(),
            source_kind="manual",
            actor=officer,
        )
    step = TransitionRecord.objects.filter(person=person).latest("at", "pk")
    assert step.reason_words is None and _both(step, "reason_shown")["zh-hans"] == "核酸两次阴性"
    assert task.title_words is None and _both(task, "title_shown")["zh-hans"] == "Complaint 12"


# --- records written before words were stored -------------------------------------------


@pytest.mark.django_db
def test_the_data_migration_reads_known_legacy_texts_back_and_leaves_the_rest(city, officer):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from warroom.cases.models import TransitionRecord
    from warroom.cases.services import do_register_person
    from warroom.supervision.models import Signal

    person = do_register_person(
        name="甲",
        home=city["990101001001001"],
        actor=officer,
        id_number=resident_id(9),
        category="suspected",
    )
    step = TransitionRecord.objects.get(person=person)
    legacy = ["sample taken", "个案名单第 5 行", "自己写的", "line list row 5 (x)", "已采样"]
    legacy.append("line list row 12")
    made = []
    for text in legacy:
        step.pk = None
        step.reason, step.reason_words = text, None
        step.save()
        made.append(step.pk)
    sig = Signal.objects.create(
        name="waiting_over_24h",
        area=city["990101"],
        day=timezone.localdate(),
        value=3,
        threshold=1,
        message=f"{city['990101'].name_zh}: 3 people waiting for a bed over 24 hours.",
    )
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    importlib.import_module("warroom.cases.migrations.0012_words").fill(apps, editor)
    importlib.import_module("warroom.supervision.migrations.0004_words").fill(apps, editor)
    rows = {r.pk: r for r in TransitionRecord.objects.filter(pk__in=made)}
    assert _both(rows[made[0]], "reason_shown") == {"en": "sample taken", "zh-hans": "已采样"}
    assert _both(rows[made[1]], "reason_shown") == {
        "en": "line list row 5",
        "zh-hans": "个案名单第 5 行",
    }
    assert _both(rows[made[4]], "reason_shown") == {"en": "sample taken", "zh-hans": "已采样"}
    assert _both(rows[made[5]], "reason_shown") == {
        "en": "line list row 12",
        "zh-hans": "个案名单第 12 行",
    }
    assert rows[made[2]].reason_words is None and rows[made[3]].reason_words is None
    assert _both(rows[made[2]], "reason_shown") == {"en": "自己写的", "zh-hans": "自己写的"}
    sig.refresh_from_db()
    assert _both(sig, "message_shown")["en"] == (
        f"{city['990101'].name_en}: 3 people waiting for a bed over 24 hours."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("writer", WRITERS)
def test_the_briefing_lines_of_a_signal_and_an_overdue_task_follow_the_reader(
    writer, city, officer, hq
):
    from warroom.situation.briefing import decision_line
    from warroom.situation.selectors import overdue_tasks
    from warroom.tasks.services import do_create_task

    title = say(gettext_noop("Complaint %(n)s"), n="A-7")
    with translation.override(writer):
        do_create_task(
            title=title,
            area=city["990101001001001"],
            owner=officer,
            deadline=timezone.localdate() - dt.timedelta(days=2),
            source_kind="appeal",
            actor=hq,
        )
        item = overdue_tasks(hq, city["9901"], timezone.localdate())["items"][0]
    signal = {"kind": "signal", "message": "as the writer saw it"}
    signal["message_words"] = say(gettext_noop("sample taken")).as_json()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert render(title, language) in decision_line({"kind": "overdue_task", **item})
            assert render(say("sample taken"), language) in decision_line(signal)
    assert render(title, "en") != render(title, "zh-hans")
    # a payload issued before words: its text, as it was
    with translation.override("en"):
        assert "as the writer saw it" in decision_line(
            {"kind": "signal", "message": "as the writer saw it"}
        )
