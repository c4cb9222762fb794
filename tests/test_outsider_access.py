"""Every page, API endpoint and admin page refuses a user of another district.

The test walks the project's URL patterns, so an endpoint added later is covered without
editing this file. A URL parameter it cannot fill fails the test loudly: teach it the
parameter in ``VICTIM_PARAMS`` (and give the fixture an object of the new model).

The rule (docs/architecture.md): another district's object answers exactly like a
missing one, and that is 404, whatever the method and whatever the body. Every URL
naming one of District A's objects is called by District B's officer with GET, POST,
PUT, PATCH and DELETE, with a body (the API's JSON filled from its own schema, a form
for the pages) naming District A's objects too; the answer must be 404 (405 where the
route has no such method, which says nothing of the object). The admin answers a
missing object with its redirect to the index: there the answer must equal the one for
an object that does not exist. 403 is allowed only on URLs that name no object: a
capability refusal of a whole page (the audit log for a district officer, ...).

URLs that name no object are POSTed with bodies naming District A's objects (area codes,
person ids, facility codes, owners, ...) and again with the same fields naming objects
that exist nowhere: the two answers must be the same but for the names, and nothing may
be written in District A.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver

from tests.filler import (
    MISSING_REFS,
    VICTIM_CODE,
    VICTIM_FACILITY,
    VICTIM_PLANT,
    VICTIM_WAREHOUSE,
    api_bodies,
    matches,
    parse_forms,
    victim_refs,
)
from warroom.accounts.services import do_create_token
from warroom.audit.models import AuditEntry
from warroom.core.context import SYSTEM
from warroom.geo.models import Area

pytestmark = pytest.mark.django_db

MARKERS = ("受害小区", "Victim Compound", VICTIM_CODE, "甲区", "District A")
METHODS = ("get", "post", "put", "patch", "delete")
REFUSED = {404, 405}  # for a URL naming another district's object
# Patterns that carry no object and no data of their own (admin's catch-all redirect).
NOT_ENDPOINTS = {"admin/(?P<url>.*)$"}
# URL parameters naming one object of a model: filled with District A's latest one.
VICTIM_PARAMS = {
    "task_id": ("tasks", "task"),
    "inspection_id": ("communities", "inspection"),
    "application_id": ("communities", "reopeningapplication"),
    "resident_id": ("services", "vulnerableresident"),
    "order_id": ("services", "grouporder"),
    "medical_id": ("services", "medicalrequest"),
    "entry_id": ("communities", "entrypoint"),
    "proposal_id": ("dispatch", "proposal"),
    "line_id": ("dispatch", "proposalline"),
    "placement_id": ("dispatch", "placement"),
    "job_id": ("situation", "seriesimport"),
    "queued_job_id": ("core", "job"),
    "flag_id": ("surveillance", "qualityflag"),
    "donation_id": ("supplies", "donation"),
    "plan_id": ("supplies", "allocationplan"),
    "business_id": ("economy", "business"),
    "resumption_id": ("economy", "resumptionapplication"),
    "trip_id": ("economy", "trip"),
    "visit_id": ("supervision", "visit"),
    "finding_id": ("supervision", "finding"),
    "place_id": ("supervision", "specialplace"),
    "record_id": ("supervision", "accountabilityrecord"),
    "phase_plan_id": ("supervision", "phaseplan"),
    "signal_id": ("supervision", "signal"),
    "appeal_id": ("appeals", "appeal"),
}
# Pages of objects that only a capability the district officer's role lacks may open
# (as the admin's audit log): District A's side is then headquarters.
URL_CAPABILITY = {
    "/supervision/accountability/": "accountability",
    "/api/supervision/accountability/": "accountability",
}
SITUATION_DAY = "2020-03-20"  # the day of the situation_world fixture's briefings


def walk(patterns: list[object], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def victim_object(app_label: str, model_name: str, officer) -> object:
    model = apps.get_model(app_label, model_name)
    obj = model._default_manager.restrict(officer).order_by("pk").last()
    assert obj is not None, f"the fixture has no {app_label}.{model_name} in District A: add one"
    return obj


def concrete_urls(officer) -> Iterator[tuple[str, bool]]:
    """(url, has_object) for every pattern, parameters filled with District A's objects."""
    victim = Area.objects.get(code=VICTIM_CODE)
    for route in walk(get_resolver().url_patterns):
        if route in NOT_ENDPOINTS:
            continue
        if "(?P<app_label>" in route:
            for label in re.search(r"\(\?P<app_label>([^)]*)\)", route).group(1).split("|"):
                yield "/admin/" + label + "/", False
            continue
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if not params:
            yield "/" + route, False
            continue
        values: dict[str, str] = {}
        admin_model = re.match(r"admin/(\w+)/(\w+)/<", route)
        for name in params:
            if name == "code":
                values[name] = VICTIM_CODE
            elif name == "object_id" and admin_model:
                values[name] = str(victim_object(*admin_model.groups(), officer).pk)
            elif name == "area_code":
                values[name] = "990101"  # District A itself (situations are per district)
            elif name == "day":
                values[name] = SITUATION_DAY
            elif name == "fmt":
                values[name] = "html"
            elif name == "person_id":
                values[name] = str(victim_object("cases", "person", officer).pk)
            elif name == "sample_id":
                values[name] = str(victim_object("cases", "sample", officer).pk)
            elif name == "facility_code":
                values[name] = VICTIM_FACILITY
            elif name == "place_code":
                values[name] = VICTIM_WAREHOUSE  # a supplies place (warehouse) of District A
            elif name == "reservation_id":
                values[name] = str(victim_object("beds", "bedreservation", officer).pk)
            elif name == "content_type_id":
                values[name] = str(ContentType.objects.get_for_model(Area).pk)
                values["object_id"] = str(victim.pk)
            elif name in VICTIM_PARAMS:
                values[name] = str(victim_object(*VICTIM_PARAMS[name], officer).pk)
            elif name in values:
                continue
            else:
                pytest.fail(f"{route}: teach the outsider test how to fill <{name}>")
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, v=values: v[m.group(1)], route)
        yield "/" + url, True


def victim_beds(officer) -> None:
    """One object of each beds model in the victim compound (District A)."""
    import datetime as dt

    from django.utils import timezone

    from warroom.beds import services

    today = timezone.localdate()
    facility = services.do_create_facility(
        code=VICTIM_FACILITY,
        name="受害小区方舱医院",
        kind="SHELTER",
        area=Area.objects.get(code=VICTIM_CODE),
        actor=officer,
    )
    services.do_record_capacity_change(
        facility,
        bed_type="SHELTER",
        kind="opening",
        delta=50,
        effective=today - dt.timedelta(days=3),
        actor=officer,
    )
    services.do_report_occupancy(
        facility, day=today, bed_type="SHELTER", occupied=10, actor=officer
    )
    services.do_reserve_beds(facility, "SHELTER", 2, actor=officer, reference="victim")
    services.do_compute_bed_balance(today)


def victim_dispatch(officer) -> None:
    """A proposal, its lines and a placement of District A's people (after victim_beds)."""
    from tests.conftest import resident_id
    from warroom.cases.services import do_register_person
    from warroom.dispatch import services

    for n in (901, 902):
        do_register_person(
            name=f"受害小区等床{n}",
            home=Area.objects.get(code=VICTIM_CODE),
            actor=officer,
            id_number=resident_id(n),
            category="confirmed",
        )
    proposal = services.do_propose(actor=officer)
    first = proposal.lines.order_by("pk").first()
    services.do_confirm_proposal(proposal, actor=officer, line_ids=[first.pk])
    assert proposal.lines.filter(state="proposed").exists()


def victim_records(officer) -> None:
    """One object of every scoped model of communities, tasks and services in District A."""
    import datetime as dt

    from django.utils import timezone

    from warroom.communities import services as comm
    from warroom.communities.models import ChecklistKind, ReopeningApplication
    from warroom.services import services as care

    victim = Area.objects.get(code=VICTIM_CODE)
    today = timezone.localdate()
    items = comm.active_checklist(ChecklistKind.SIX_IN_PLACE).items.all()
    comm.do_record_inspection(
        victim,
        kind=ChecklistKind.SIX_IN_PLACE,
        date=today,
        results={i.code: comm.ItemResult(i.code != "pub", "受害小区") for i in items},
        owner=officer,
        actor=officer,
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from warroom.tasks.models import Task
    from warroom.tasks.services import do_submit_task

    do_submit_task(
        Task.objects.get(area=victim),
        evidence_text="受害小区 fixed",
        evidence_file=SimpleUploadedFile("photo.txt", b"fixed"),
        actor=officer,
    )
    comm.do_recompute_certification(today, actor=officer)
    comm.do_decertify_on_new_case(victim, today, "受害小区 case", actor=officer)
    comm.do_set_closure(victim, "sealed", note="受害小区", actor=officer)
    gate = comm.do_add_entry_point(victim, name="受害小区 gate", actor=officer)
    comm.do_record_passage(gate, direction="out", purpose="medical", actor=officer)
    comm.do_issue_pass(victim, household="受害小区 3-201", holder="受害小区 holder", actor=officer)
    ReopeningApplication.objects.create(area=victim, applied_by=officer, checks={}, note="受害小区")
    person = care.do_register_vulnerable(
        victim, name="受害小区 resident", kind="elderly_alone", actor=officer
    )
    care.do_record_visit(person, note="受害小区", actor=officer)
    care.do_place_group_order(victim, items=[("米", 2, "kg", 5)], actor=officer)
    care.do_record_price(
        victim.parent.parent.parent,
        item="米",
        date=today - dt.timedelta(days=1),
        price=5,
        actor=officer,
    )
    care.do_request_medical_care(victim, person="受害小区 patient", kind="dialysis", actor=officer)
    victim_zones(officer, victim, today)


def victim_zones(officer, victim, today) -> None:
    """District A's zones-and-levels records: a business and its application, a trip."""
    from warroom.economy import services as zones

    business = zones.do_register_business(
        victim,
        name="受害小区 shop",
        category="essential_supply",
        size="small",
        workforce=5,
        actor=officer,
    )
    zones.do_apply_resumption(
        business,
        plan=dict.fromkeys(zones.PLAN_ITEMS, True),
        worker_ids=[],
        workers=3,
        actor=officer,
    )
    grid = zones.do_add_grid(victim, name="受害小区 grid 1", actor=officer)
    zones.do_assign(
        victim, name="受害小区 worker", duty="grid_worker", since=today, grid=grid, actor=officer
    )
    req = zones.do_request_transport(
        victim,
        kind="stranded",
        name="受害小区 traveller",
        id_number="420102198001010011",
        origin="武汉",
        destination="受害小区 town",
        wanted=today,
        actor=officer,
    )
    zones.do_health_check([req], actor=officer)
    zones.do_plan_trips(victim, today, capacity=10, actor=officer)
    zones.do_record_checkpoint(
        victim,
        checkpoint="受害小区 checkpoint",
        day=today,
        vehicles=1,
        people=2,
        turned_back=0,
        actor=officer,
    )


def victim_supplies(officer) -> None:
    """District A's supplies and waste: a warehouse with stock, a donation (not published:
    the public page shows only what headquarters published), an allocation, a team, waste."""
    import datetime as dt

    from django.utils import timezone

    from warroom.beds.models import Facility
    from warroom.supplies import services as sup
    from warroom.supplies.catalogue import ensure_catalogue, items_by_code
    from warroom.waste import services as waste

    ensure_catalogue()
    items = items_by_code()
    district = Area.objects.get(code="990101")
    wh = sup.do_create_warehouse(VICTIM_WAREHOUSE, "受害小区仓库", district, actor=officer)
    sup.do_receive(wh, items["n95_mask"], 100, source="national", actor=officer)
    gift = sup.do_register_donation(
        donor="受害小区校友会",
        donor_kind="alumni",
        area=district,
        form="goods",
        item=items["n95_mask"],
        quantity=10,
        warehouse=wh,
        actor=officer,
    )
    sup.do_inspect_donation(gift, accepted=True, standard_met="GB 19083-2010", actor=officer)
    sup.do_propose_allocation(wh, actor=officer)
    facility = Facility.objects.get(code=VICTIM_FACILITY)
    team = sup.do_register_team(
        name="受害小区医疗队",
        origin="甲省",
        size=10,
        hospital=facility,
        arrived_on=timezone.localdate(),
        actor=officer,
    )
    sup.do_record_care(
        district, kind="meals", description="受害小区 meals", team=team, actor=officer
    )
    plant = waste.do_create_plant(
        VICTIM_PLANT,
        "受害小区处置厂",
        district,
        capacity=5,
        effective=dt.date(2020, 1, 1),
        actor=officer,
    )
    del plant
    from warroom.appeals.services import do_file_appeal

    do_file_appeal(
        channel="hotline",
        text="受害小区 needs medicine",
        area=Area.objects.get(code=VICTIM_CODE),
        caller_name="受害小区 caller",
        category="medicine",
        urgency="urgent",
        actor=officer,
    )


def victim_situation(officer) -> None:
    """District A's objects of the situation room: a quality flag, a series import."""
    import datetime as dt

    from warroom.situation.models import SeriesImport
    from warroom.situation.services import do_record_decision
    from warroom.surveillance.models import QualityFlag

    district = Area.objects.get(code="990101")
    day = dt.date.fromisoformat(SITUATION_DAY)
    QualityFlag.objects.create(
        rule="stale_figure",
        area=district,
        day=day,
        severity="warning",
        message="甲区 stale",
        detected_on=day,
    )
    SeriesImport.objects.create(area=district, filename="甲区.csv", sha256="x", days=[])
    from warroom.core.jobs import enqueue_import
    from warroom.surveillance.services import do_import_daily_reports

    enqueue_import(do_import_daily_reports, b"date,area_code\n", "甲区.csv", actor=officer)
    do_record_decision(district, day, "甲区 decision", actor=officer)


def victim_supervision(officer) -> None:
    """One object of every scoped supervision model in District A."""
    import datetime as dt

    from django.utils import timezone

    from warroom.accounts.models import User
    from warroom.supervision import services as sup
    from warroom.supervision.models import Finding, Signal
    from warroom.surveillance.models import QualityFlag

    hq = User.objects.get(username="hq")
    victim = Area.objects.get(code=VICTIM_CODE)
    district = Area.objects.get(code="990101")
    today = timezone.localdate()
    place = sup.do_register_place(
        code="VICTIM-PLACE", name="受害小区养老院", kind="care_home", area=victim, actor=officer
    )
    items = sup.checklist_in_use("care_home").items.all()
    sup.do_record_visit(
        kind="care_home",
        place=place,
        date=today,
        results={i.code: sup.ItemResult(i.code != "staff", "受害小区") for i in items},
        announced=False,
        owner=officer,
        actor=officer,
    )
    sup.do_record_accountability(
        area=district,
        subject="受害小区书记",
        decision="warning",
        grounds="受害小区",
        authority="甲区纪委",
        decided_on=today,
        findings=list(Finding.objects.filter(area=victim)),
        flags=list(QualityFlag.objects.filter(area=district)[:1]),
        actor=hq,
    )
    sup.do_record_phase_plan(
        district,
        phase="MIDDLE",
        phase_start=today - dt.timedelta(days=2),
        summary="甲区",
        lines=[sup.PlanLine("key_task", "受害小区清零", officer, today + dt.timedelta(days=3))],
        actor=hq,
    )
    Signal.objects.create(
        name="waiting_over_24h",
        area=district,
        day=today,
        value=3,
        threshold=1,
        message="甲区 3 waiting",
        evidence="/dispatch/",
    )
    # The latest task of District A (the plan's) carries an evidence file, as the
    # tasks' evidence URL needs one.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from warroom.tasks.models import Task
    from warroom.tasks.services import do_submit_task

    do_submit_task(
        Task.objects.restrict(officer).order_by("pk").last(),
        evidence_text="受害小区 done",
        evidence_file=SimpleUploadedFile("plan.txt", b"done"),
        actor=officer,
    )


@pytest.fixture
def world(officer, outsider, client, cases_world, situation_world):
    do_create_token(officer, name="victim token", actor=SYSTEM)
    victim_beds(officer)
    victim_dispatch(officer)
    victim_records(officer)
    victim_situation(officer)
    victim_supplies(officer)
    victim_supervision(officer)
    assert AuditEntry.objects.restrict(officer, "view").exists()
    return officer, outsider


def _call(client, method: str, url: str, token: str | None, body: dict | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if body is None or method == "get":
        return getattr(client, method)(url, **headers)
    if url.startswith("/api/"):
        return getattr(client, method)(
            url, json.dumps(body), content_type="application/json", **headers
        )
    if method == "post":
        return client.post(url, {k: str(v) for k, v in body.items()}, **headers)
    return getattr(client, method)(url, urlencode(body), **headers)


def _body_for(bodies: dict, method: str, url: str, refs: dict) -> dict:
    """The schema's body for this API operation, else every reference field."""
    found = [b for (m, p), b in bodies.items() if m == method and matches(p, url)]
    return found[0] if found else dict(refs)


def _missing_twin(url: str, officer) -> str:
    """The same admin URL with an object id that exists nowhere."""
    return re.sub(r"/(\d+)/", "/999999999/", url, count=1)


def _admin_capability(url: str) -> str:
    from warroom.core.admin import site

    for prefix, capability in URL_CAPABILITY.items():
        if url.startswith(prefix):
            return capability
    found = re.match(r"/admin/(\w+)/(\w+)/", url)
    models = {(m._meta.app_label, m._meta.model_name): a for m, a in site._registry.items()}
    model_admin = models.get(found.groups()) if found else None
    return getattr(model_admin, "capability", "view")


def test_every_url_refuses_another_districts_data(world, hq, client):
    officer, outsider = world
    _, outsider_token = do_create_token(outsider, name="outsider", actor=SYSTEM)
    _, officer_token = do_create_token(officer, name="officer", actor=SYSTEM)
    _, hq_token = do_create_token(hq, name="hq", actor=SYSTEM)
    before = sorted(Area.objects.values_list("code", "name_zh", "population"))
    refs = victim_refs(officer)
    bodies = api_bodies(refs)
    checked = owner_reached = 0
    urls = list(concrete_urls(officer))
    assert len(urls) > 30, "the walk found too few URLs to be trusted"
    for url, has_object in urls:
        api = url.startswith("/api/")
        # The owner reaches the object: proof that the refusal below is about scope.
        if has_object:
            # The district officer, or headquarters where the admin model asks a capability
            # the officer's role lacks (the audit log): either way, District A's side.
            owner = officer if officer.can(_admin_capability(url)) else hq
            client.force_login(owner)
            token = officer_token if owner == officer else hq_token
            own = _call(client, "get", url, token if api else None)
            assert own.status_code != 404, f"GET {url} as District A: not found"
            owner_reached += own.status_code in (200, 302)
        client.force_login(outsider)
        for method in METHODS if has_object else ("get",):
            body = None if method == "get" else _body_for(bodies, method, url, refs)
            response = _call(client, method, url, outsider_token if api else None, body)
            text = response.content.decode("utf-8", "replace")
            location = response.get("Location", "")
            leaked = [m for m in MARKERS if m in text or m in location]
            assert not leaked, f"{method.upper()} {url} leaked {leaked} to another district"
            if not has_object:
                checked += 1
                continue
            if url.startswith("/admin/"):
                # Django's admin answers a missing object with a redirect: the same here.
                missing = _call(client, method, _missing_twin(url, officer), None, body)
                assert (response.status_code, _missing_twin(location, officer)) == (
                    missing.status_code,
                    missing.get("Location", ""),
                ), f"{method.upper()} {url} answers unlike a missing object"
                if response.status_code in (301, 302):
                    followed = client.get(location, follow=True)
                    assert not any(m in followed.content.decode() for m in MARKERS)
            else:
                assert response.status_code in REFUSED, (
                    f"{method.upper()} {url} answered {response.status_code} to another "
                    "district (the rule is 404, like a missing object)"
                )
            if api and response.status_code != 405:
                assert response["Content-Type"].startswith("application/json")
            checked += 1
    assert checked > 60 and owner_reached > 10
    assert sorted(Area.objects.values_list("code", "name_zh", "population")) == before


def _normalised(response, names: dict) -> tuple[int, str]:
    """The answer with every name of an object replaced by its field, for comparing.

    A success is compared by its status only (what it created has its own id and time;
    that nothing of District A was written is checked apart); a refusal by its status
    and its message, with the names and every number masked.
    """
    if response.status_code < 300:
        return response.status_code, ""
    text = response.content.decode("utf-8", "replace")
    if "text/html" in response.get("Content-Type", ""):
        found = re.search(r'<ul class="messages">(.*?)</ul>', text, re.S)
        text = found.group(1) if found else ""
    for field, value in sorted(names.items(), key=lambda kv: -len(str(kv[1]))):
        if len(str(value)) >= 4:
            text = text.replace(str(value), f"<{field}>")
    return response.status_code, re.sub(r"\d+", "<n>", text)


def test_a_body_naming_another_districts_objects_answers_like_missing_ones(world, client):
    """Collection URLs (no object in the URL) POSTed with District A's objects in the body."""
    from warroom.audit.models import AuditEntry

    officer, outsider = world
    _, token = do_create_token(outsider, name="outsider", actor=SYSTEM)
    victim, missing = victim_refs(officer), dict(MISSING_REFS)
    bodies = {"victim": api_bodies(victim), "missing": api_bodies(missing)}
    district_a = Area.objects.get(code="990101").path
    since = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    client.force_login(outsider)
    compared = 0
    for url, has_object in concrete_urls(officer):
        if has_object or url.startswith("/admin/") or url.endswith("/logout/"):
            continue
        answers = []
        for refs, key in ((victim, "victim"), (missing, "missing")):
            if url.startswith("/api/"):
                ops = [(m, b) for (m, p), b in bodies[key].items() if matches(p, url)]
                got = [_normalised(_call(client, m, url, token, b), refs) for m, b in sorted(ops)]
            else:
                page = client.get(url)
                if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
                    break
                forms = parse_forms(page.content.decode("utf-8", "replace"), refs)
                got = [
                    _normalised(client.post(action or url, fields), refs)
                    for action, fields in forms
                    if (action or url).startswith("/") and "logout" not in (action or url)
                ]
            answers.append(got)
        if len(answers) == 2 and answers[0]:
            assert answers[0] == answers[1], (
                f"POST {url} tells District A's objects from missing ones:\n"
                f"{answers[0]}\n{answers[1]}"
            )
            compared += len(answers[0])
    written = AuditEntry.objects.filter(seq__gt=since, area_path__startswith=district_a)
    assert not written.exists(), [
        (e.action, e.object_type, e.object_repr) for e in written
    ]  # nothing of District A was changed by District B's officer
    assert compared > 20, "the walk compared too few writes to be trusted"
