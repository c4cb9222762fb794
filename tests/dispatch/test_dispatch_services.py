"""Dispatch services: propose, confirm (all, some, stale lines), by hand, refuse, transfer,
discharge; the person's state in case management moves with the bed."""

from __future__ import annotations

import pytest

from warroom.beds.models import BedPool
from warroom.cases.states import Isolation, Status
from warroom.core.context import SYSTEM
from warroom.core.errors import Conflict, Forbidden, InvalidInput
from warroom.dispatch import services
from warroom.dispatch.models import LineState, Placement, ProposalLine, Refusal

pytestmark = pytest.mark.django_db


def _pool(facility, bed_type):
    return BedPool.objects.get(facility=facility, bed_type=bed_type)


def test_the_proposal_places_by_need_nearest_first_and_says_why(facilities, make_person, english):
    critical = make_person("confirmed", severity="critical")
    mild = make_person("confirmed", severity="mild")
    contact = make_person("contact")
    proposal = services.do_propose(actor=SYSTEM)
    lines = {ln.person_id: ln for ln in ProposalLine.objects.filter(proposal=proposal)}
    assert proposal.waiting == 3 and proposal.placed == 3
    assert (lines[critical.pk].facility.code, lines[critical.pk].bed_type) == ("DA1", "ICU")
    assert lines[mild.pk].bed_type in ("SHELTER", "GENERAL")
    assert (lines[contact.pk].facility.code, lines[contact.pk].bed_type) == ("QA1", "QUARANTINE")
    assert all(
        ln.state == LineState.PROPOSED and ln.distance_km is not None for ln in lines.values()
    )
    from warroom.dispatch.selectors import reason

    assert reason(lines[critical.pk]).startswith("Critical → ICU")
    assert "km" in reason(lines[critical.pk])
    # nothing is taken by a proposal
    assert _pool(facilities["DA1"], "ICU").occupied == 0


def test_who_finds_no_bed_is_told_why(facilities, make_person, english):
    people = [make_person("confirmed", severity="critical") for _ in range(4)]
    proposal = services.do_propose(actor=SYSTEM)
    states = sorted(ProposalLine.objects.filter(proposal=proposal).values_list("state", flat=True))
    assert states.count(LineState.PROPOSED) == 2 and states.count(LineState.UNPLACED) == 2
    from warroom.dispatch.selectors import reason

    unplaced = ProposalLine.objects.filter(proposal=proposal, state=LineState.UNPLACED).first()
    assert "no ICU bed" in reason(unplaced)
    assert len(people) == 4


def test_a_proposal_deleted_takes_its_lines_with_it(facilities, make_person):
    """The lines' proposal and person have no constraint in the database (the services
    write them; docs in warroom.dispatch.models): deleting goes through the ORM, whose
    CASCADE deletes the lines, and leaves no line behind."""
    make_person("confirmed", severity="critical")
    make_person("contact")
    kept = services.do_propose(actor=SYSTEM)
    gone = services.do_propose(actor=SYSTEM)
    assert ProposalLine.objects.filter(proposal=gone).count() == 2
    gone.delete()
    assert not ProposalLine.objects.filter(proposal_id=gone.pk).exists()
    assert ProposalLine.objects.filter(proposal=kept).count() == 2


def test_confirming_takes_the_beds_and_moves_the_people(facilities, make_person, hq):
    critical = make_person("confirmed", severity="critical")
    contact = make_person("contact")
    suspected = make_person("suspected")
    proposal = services.do_propose(actor=hq)
    done = services.do_confirm_proposal(proposal, actor=hq)
    assert done.confirmed == 3 and done.refused == []
    critical.refresh_from_db()
    contact.refresh_from_db()
    suspected.refresh_from_db()
    assert critical.status == Status.ADMITTED and critical.facility == "甲区定点医院"
    assert critical.isolation == Isolation.HOSPITAL
    assert contact.status == Status.QUARANTINED and contact.isolation == Isolation.QUARANTINE
    assert suspected.status == Status.SUSPECTED and suspected.isolation == Isolation.QUARANTINE
    assert _pool(facilities["DA1"], "ICU").occupied == 1
    assert _pool(facilities["QA1"], "QUARANTINE").occupied == 2
    assert Placement.objects.filter(ended_at__isnull=True).count() == 3
    # nobody waits any more: a second proposal is empty, a second confirmation does nothing
    assert services.do_propose(actor=hq).waiting == 0
    assert services.do_confirm_proposal(proposal, actor=hq).confirmed == 0


def test_stale_lines_are_refused_with_a_reason_and_the_rest_confirmed(facilities, make_person, hq):
    from warroom.cases.services import do_transition_person

    a = make_person("confirmed", severity="critical")
    b = make_person("confirmed", severity="critical")
    c = make_person("confirmed", severity="mild")
    first = services.do_propose(actor=hq)
    second = services.do_propose(actor=hq)
    services.do_confirm_proposal(
        first,
        actor=hq,
        line_ids=list(
            ProposalLine.objects.filter(proposal=first, person=a).values_list("pk", flat=True)
        ),
    )
    do_transition_person(b, Status.DIED, actor=hq)
    done = services.do_confirm_proposal(second, actor=hq)
    refused = {r.person_id: r.refusal for r in done.refused}
    assert refused == {a.pk: Refusal.PLACED, b.pk: Refusal.NOT_WAITING}
    assert [p for p, _f, _t in done.placements] == [c.pk]
    lines = ProposalLine.objects.filter(proposal=second, state=LineState.REFUSED)
    assert all(ln.refusal for ln in lines) and lines.count() == 2
    assert _pool(facilities["DA1"], "ICU").occupied == 1


def test_a_bed_taken_meanwhile_is_refused_not_overfilled(facilities, make_person, hq):
    from warroom.beds.services import do_reserve_beds

    a = make_person("confirmed", severity="critical")
    proposal = services.do_propose(actor=hq)
    do_reserve_beds(facilities["DA1"], "ICU", 2, actor=hq)  # someone took both ICU beds
    done = services.do_confirm_proposal(proposal, actor=hq)
    assert [(r.person_id, r.refusal) for r in done.refused] == [(a.pk, Refusal.NO_BED)]
    assert _pool(facilities["DA1"], "ICU").occupied == 2


def test_a_changed_need_is_refused(facilities, make_person, hq):
    from warroom.cases.services import do_set_severity

    a = make_person("confirmed", severity="mild")
    proposal = services.do_propose(actor=hq)
    do_set_severity(a, "critical", actor=hq)
    done = services.do_confirm_proposal(proposal, actor=hq)
    assert [r.refusal for r in done.refused] == [Refusal.NEED_CHANGED]


def test_refusal_by_the_dispatcher_needs_a_reason_and_is_kept(facilities, make_person, hq):
    make_person("confirmed", severity="mild")
    proposal = services.do_propose(actor=hq)
    line = ProposalLine.objects.get(proposal=proposal)
    with pytest.raises(InvalidInput):
        services.do_refuse_line(line, actor=hq, note=" ")
    services.do_refuse_line(line, actor=hq, note="family asks for 协和医院")
    line.refresh_from_db()
    assert (line.state, line.refusal, line.note) == (
        "refused",
        "dispatcher",
        "family asks for 协和医院",
    )
    with pytest.raises(Conflict):
        services.do_refuse_line(line, actor=hq, note="again")
    assert services.do_confirm_proposal(proposal, actor=hq).confirmed == 0


def test_manual_placement_never_below_need(facilities, make_person, hq):
    severe = make_person("confirmed", severity="severe")
    with pytest.raises(InvalidInput):
        services.do_place_person(severe, facilities["SA1"], "SHELTER", actor=hq)
    placement = services.do_place_person(
        severe, facilities["DA1"], "ICU", actor=hq, note="above need"
    )
    assert placement.bed_type == "ICU" and _pool(facilities["DA1"], "ICU").occupied == 1
    with pytest.raises(Conflict):  # placed already
        services.do_place_person(severe, facilities["DA1"], "SEVERE", actor=hq)


def test_a_confirmed_contact_moves_from_his_room_to_a_hospital_bed(facilities, make_person, hq):
    from warroom.cases.services import do_transition_person

    contact = make_person("contact")
    services.do_dispatch_all(actor=hq)
    assert _pool(facilities["QA1"], "QUARANTINE").occupied == 1
    contact.refresh_from_db()
    do_transition_person(contact, Status.CONFIRMED, actor=hq)
    run = services.do_dispatch_all(actor=hq)
    assert [t for _p, _f, t in run.placements] in (["SHELTER"], ["GENERAL"])
    assert _pool(facilities["QA1"], "QUARANTINE").occupied == 0
    history = list(Placement.objects.filter(person=contact).order_by("pk"))
    assert (history[0].bed_type, history[0].outcome) == ("QUARANTINE", "admitted")
    contact.refresh_from_db()
    assert contact.status == Status.ADMITTED


def test_step_up_and_step_down_move_the_bed_atomically(facilities, make_person, hq):
    from warroom.cases.services import do_set_severity

    patient = make_person("confirmed", severity="mild")
    placement = services.do_place_person(patient, facilities["SA1"], "SHELTER", actor=hq)
    patient.refresh_from_db()
    do_set_severity(patient, "severe", actor=hq)
    up = services.do_transfer_person(placement, facilities["DA1"], "SEVERE", actor=hq)
    assert _pool(facilities["SA1"], "SHELTER").occupied == 0
    assert _pool(facilities["DA1"], "SEVERE").occupied == 1
    assert up.transferred_from_id == placement.pk
    with pytest.raises(InvalidInput):  # still severe: not below need
        services.do_transfer_person(up, facilities["SA1"], "SHELTER", actor=hq)
    patient.refresh_from_db()
    do_set_severity(patient, "moderate", actor=hq)
    down = services.do_transfer_person(up, facilities["DA1"], "GENERAL", actor=hq)
    assert services.direction("SEVERE", "GENERAL") == "step_down"
    patient.refresh_from_db()
    assert patient.status == Status.ADMITTED and patient.facility == "甲区定点医院"
    assert _pool(facilities["DA1"], "SEVERE").occupied == 0
    assert _pool(facilities["DA1"], "GENERAL").occupied == 1
    assert down.ended_at is None


def test_discharge_frees_the_bed_at_once(facilities, make_person, hq):
    patient = make_person("confirmed", severity="mild")
    placement = services.do_place_person(patient, facilities["SA1"], "SHELTER", actor=hq)
    services.do_end_placement(placement, "discharged", actor=hq)
    patient.refresh_from_db()
    assert patient.status == Status.DISCHARGED
    assert _pool(facilities["SA1"], "SHELTER").occupied == 0
    placement.refresh_from_db()
    assert placement.outcome == "discharged" and placement.ended_at is not None


def test_a_death_recorded_in_case_management_frees_the_bed(facilities, make_person, hq):
    from warroom.cases.services import do_transition_person

    patient = make_person("confirmed", severity="critical")
    placement = services.do_place_person(patient, facilities["DA1"], "ICU", actor=hq)
    patient.refresh_from_db()
    do_transition_person(patient, Status.DIED, actor=hq)
    placement.refresh_from_db()
    assert placement.outcome == "died" and _pool(facilities["DA1"], "ICU").occupied == 0


def test_a_district_dispatcher_fills_his_districts_beds_with_his_people(
    facilities, make_person, officer, outsider
):
    mine = make_person("confirmed", severity="mild")
    theirs = make_person("confirmed", severity="mild", home="990102001001001")
    proposal = services.do_propose(actor=officer)
    lines = list(ProposalLine.objects.filter(proposal=proposal))
    assert [ln.person_id for ln in lines] == [mine.pk]
    assert lines[0].facility.area.code == "990101"
    other = services.do_propose(actor=outsider)
    assert [ln.person_id for ln in ProposalLine.objects.filter(proposal=other)] == [theirs.pk]
    assert ProposalLine.objects.get(proposal=other).facility.code == "SB1"
    # the outsider cannot confirm District A's proposal lines
    assert services.do_confirm_proposal(proposal, actor=outsider).confirmed == 0


def test_roles_without_dispatch_are_refused(facilities, make_person, analyst):
    make_person("confirmed")
    with pytest.raises(Forbidden):
        services.do_propose(actor=analyst)


def test_the_bed_balance_counts_the_waiting_people(facilities, make_person, hq):
    from django.utils import timezone

    from warroom.beds.selectors import balance_on

    for _ in range(3):
        make_person("confirmed", severity="mild")
    today = timezone.localdate()
    before = balance_on(today).by_type()["SHELTER"]
    assert before["waiting"] == 3 and before["free"] == 20
    services.do_dispatch_all(actor=hq)
    after = balance_on(today).by_type()
    assert after["SHELTER"]["waiting"] + after["GENERAL"]["waiting"] == 0
    assert after["SHELTER"]["occupied"] + after["GENERAL"]["occupied"] == 3


def test_the_daily_cycle_stores_the_waiting_people(facilities, make_person):
    from django.utils import timezone

    from warroom.beds.models import BedBalance
    from warroom.core.daily import run_daily_cycle

    for _ in range(2):
        make_person("confirmed", severity="severe")
    make_person("contact", home="990102001001001")
    today = timezone.localdate()
    run_daily_cycle(today, only=["beds.pools", "beds.balance"], force=True)
    rows = {(r.area.code, r.bed_type): r for r in BedBalance.objects.select_related("area")}
    assert rows[("990101", "SEVERE")].waiting == 2 and rows[("990101", "SEVERE")].balance == 0
    assert rows[("990102", "QUARANTINE")].waiting == 1
    assert rows[("990102", "QUARANTINE")].balance == -1  # District B has no quarantine site


def test_the_proposal_page_reads_a_fixed_number_of_queries(
    facilities, make_person, client, hq, django_assert_max_num_queries
):
    for _ in range(3):
        make_person("confirmed", severity="mild")
    small = services.do_propose(actor=hq)
    for _ in range(12):
        make_person("contact")
    big = services.do_propose(actor=hq)
    client.force_login(hq)
    with django_assert_max_num_queries(20) as few:
        assert client.get(f"/dispatch/proposals/{small.pk}/").status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(f"/dispatch/proposals/{big.pk}/")
    assert page.status_code == 200 and page.content.decode().count("data-line=") == 15


def test_a_death_imported_with_the_line_list_frees_the_bed(facilities, make_person, hq, city):
    from django.utils import timezone

    from warroom.cases.imports import do_import_line_list
    from warroom.tables import read_table

    patient = make_person("confirmed", severity="critical")
    services.do_place_person(patient, facilities["DA1"], "ICU", actor=hq)
    assert _pool(facilities["DA1"], "ICU").occupied == 1
    at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    csv = (
        "姓名,证件号码,住址小区编码,类别,报告时间,状态\n"
        f"{patient.name},{patient.id_number},990101001001001,确诊,{at},死亡\n"
    )
    do_import_line_list(read_table(csv.encode(), filename="deaths.csv"), actor=hq)
    patient.refresh_from_db()
    assert patient.status == Status.DIED
    placement = Placement.objects.get(person=patient)
    assert placement.outcome == "died" and placement.ended_at is not None
    assert _pool(facilities["DA1"], "ICU").occupied == 0


def test_a_past_days_free_beds_are_read_as_they_stood_at_its_cutoff(facilities, make_person, hq):
    # Valid time: a past day's occupied beds are the latest report's census plus the
    # placements started and ended after it up to the day's cut-off (here no report: the
    # people in the beds at the cut-off). A placement or a discharge after the cut-off
    # moves today's pools, never the past day's free beds.
    import datetime as dt

    from django.utils import timezone

    from warroom.beds.selectors import balance_on
    from warroom.cases.clearance import cutoff_for
    from warroom.dispatch.placing import do_end_placement, do_place_person

    day = timezone.localdate() - dt.timedelta(days=1)
    cut = cutoff_for(day)
    shelter = facilities["SA1"]
    early = [
        make_person("confirmed", severity="mild", at=cut - dt.timedelta(hours=20)) for _ in range(3)
    ]
    placed = [
        do_place_person(p, shelter, "SHELTER", actor=hq, at=cut - dt.timedelta(hours=10))
        for p in early[:2]
    ]

    def free_then() -> int:
        row = balance_on(day).by_type()["SHELTER"]
        return row["free"]

    assert free_then() == 20 - 2  # SA1 10 - 2, SB1 10
    do_end_placement(placed[0], "discharged", actor=hq, at=cut + dt.timedelta(minutes=30))
    do_place_person(early[2], shelter, "SHELTER", actor=hq, at=cut + dt.timedelta(minutes=40))
    assert free_then() == 20 - 2  # after the cut-off: the day does not move
    assert balance_on(day + dt.timedelta(days=1)).by_type()["SHELTER"]["free"] == 20 - 2


def _dispatch_written(proposal_ids):
    """What a dispatch wrote, by person (the keys differ between runs, and the proposal's
    number in the reasons)."""
    from warroom.cases.models import Person, TransitionRecord

    lines = sorted(
        ProposalLine.objects.filter(proposal_id__in=proposal_ids).values_list(
            "person_id",
            "need",
            "waiting_since",
            "facility_id",
            "bed_type",
            "distance_km",
            "steps_above",
            "nearest",
            "state",
            "refusal",
            "decided_at",
            "decided_by_id",
        )
    )
    placements = sorted(
        Placement.objects.values_list(
            "person_id", "facility_id", "bed_type", "ended_at", "outcome", "line__person_id"
        )
    )
    people = sorted(
        Person.objects.values_list("pk", "status", "isolation", "facility", "facility_area_id")
    )
    steps = sorted(
        (person, source, target, reason.replace(f"#{max(proposal_ids)}", "#N"))
        for person, source, target, reason in TransitionRecord.objects.values_list(
            "person_id", "source", "target", "reason"
        )
    )
    pools = sorted(BedPool.objects.values_list("facility_id", "bed_type", "occupied"))
    return lines, placements, people, steps, pools


def test_the_daily_dispatch_decides_and_writes_as_propose_then_confirm(facilities, make_person, hq):
    from django.db import transaction
    from django.utils import timezone

    from warroom.cases.services import do_transition_person
    from warroom.dispatch.models import Proposal

    for _ in range(3):
        make_person("confirmed", severity="critical")  # ICU 2: one waits
    make_person("confirmed", severity="severe")
    for _ in range(3):
        make_person("confirmed", severity="mild")
    for _ in range(7):
        make_person("contact")  # 4 rooms free: three wait
    roomed = make_person("contact")
    services.do_place_person(roomed, facilities["QA1"], "QUARANTINE", actor=hq)
    roomed.refresh_from_db()
    do_transition_person(roomed, Status.CONFIRMED, actor=hq)  # leaves his room for a bed
    at = timezone.now()

    with transaction.atomic():
        done = services.do_propose_and_confirm(actor=hq, at=at)
        one_step = _dispatch_written([done.proposal_id])
        proposal = Proposal.objects.get(pk=done.proposal_id)
        assert ProposalLine.objects.filter(proposal=proposal).count() == proposal.waiting == 15
        transaction.set_rollback(True)
    two_step_proposal = services.do_propose(actor=hq, at=at)
    two = services.do_confirm_proposal(two_step_proposal, actor=hq, at=at)
    assert one_step == _dispatch_written([two_step_proposal.pk])
    assert sorted(done.placements) == sorted(two.placements) and len(done.placements) == 11
    assert done.refused == two.refused == []


def test_the_daily_dispatch_refuses_with_its_reason_what_changed_after_the_plan(
    facilities, make_person, hq, monkeypatch
):
    from warroom.cases.services import do_transition_person
    from warroom.dispatch import confirming

    critical = make_person("confirmed", severity="critical")
    contact = make_person("contact")
    plan_proposal = confirming.plan_proposal

    def plan_then_a_death(**kwargs):
        plan = plan_proposal(**kwargs)
        # recorded meanwhile (another user): he no longer waits when the lines are decided
        do_transition_person(critical, Status.DIED, actor=hq)
        return plan

    monkeypatch.setattr(confirming, "plan_proposal", plan_then_a_death)
    done = services.do_propose_and_confirm(actor=hq)
    assert [(r.person_id, r.refusal) for r in done.refused] == [(critical.pk, Refusal.NOT_WAITING)]
    line = ProposalLine.objects.get(pk=done.refused[0].line_id)
    assert (line.person_id, line.state, line.refusal) == (
        critical.pk,
        LineState.REFUSED,
        Refusal.NOT_WAITING,
    )
    assert line.decided_at is not None and line.decided_by_id == hq.pk
    placed = Placement.objects.get(person=contact)
    assert placed.line.person_id == contact.pk and placed.line.state == LineState.CONFIRMED
    assert _pool(facilities["DA1"], "ICU").occupied == 0
    assert _pool(facilities["QA1"], "QUARANTINE").occupied == 1
