"""The four categories (四类人员) as one state machine: states, legal transitions, effects.

Every change of a person's status goes through :func:`check` (services call it before
writing); nothing else decides what is legal. A person has one ``status``; the category
(confirmed, suspected, febrile, contact) follows from it.

    febrile ──tested──▶ febrile_tested ──▶ ruled_out
                                       └─▶ suspected
    suspected ──▶ confirmed | excluded
    contact ──▶ quarantined ──▶ released | suspected | confirmed   (becomes a case)
    contact ──▶ suspected | confirmed                              (symptoms before isolation)
    confirmed (waiting for a bed) ──▶ admitted ──▶ discharged | died
    confirmed ──▶ died | discharged                                (cured without a bed)
    discharged ──▶ post_discharge (14-day quarantine) ──▶ recovered

Effects of a transition are named here (``Effect``) and carried out by the services:
setting the isolation, starting the test schedule, stamping the admission time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from warroom.core.choices import LabelledChoices


class Category(LabelledChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    SUSPECTED = "suspected", _("Suspected")
    FEBRILE = "febrile", _("Febrile")
    CONTACT = "contact", _("Close contact")


class Status(LabelledChoices):
    FEBRILE = "febrile", _("Febrile, not tested")
    FEBRILE_TESTED = "febrile_tested", _("Febrile, tested")
    RULED_OUT = "ruled_out", _("Ruled out")
    SUSPECTED = "suspected", _("Suspected")
    EXCLUDED = "excluded", _("Excluded")
    CONTACT = "contact", _("Contact, not quarantined")
    QUARANTINED = "quarantined", _("Contact, quarantined")
    RELEASED = "released", _("Released from quarantine")
    CONFIRMED = "confirmed", _("Confirmed, waiting for a bed")
    ADMITTED = "admitted", _("Admitted")
    DISCHARGED = "discharged", _("Discharged")
    POST_DISCHARGE = "post_discharge", _("Post-discharge quarantine")
    RECOVERED = "recovered", _("Released after discharge")
    DIED = "died", _("Died")


class Severity(LabelledChoices):
    ASYMPTOMATIC = "asymptomatic", _("Asymptomatic")
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")
    CRITICAL = "critical", _("Critical")


class Isolation(LabelledChoices):
    NONE = "none", _("Not isolated")
    HOME = "home", _("Home isolation")
    QUARANTINE = "quarantine", _("Quarantine site")
    HOSPITAL = "hospital", _("Hospital")


class Effect(enum.Enum):
    ISOLATE = "isolate"  # needs an isolation kind (home / quarantine site)
    ADMIT = "admit"  # isolation = hospital, facility required, admitted_at stamped
    END_ISOLATION = "end_isolation"
    START_TESTS = "start_tests"  # a test is due now (suspected, febrile)
    QUARANTINE_TESTS = "quarantine_tests"  # the quarantine's test days are scheduled
    STOP_TESTS = "stop_tests"
    CONFIRM = "confirm"  # confirmed_at stamped


CATEGORY_OF: dict[str, str | None] = {
    Status.FEBRILE: Category.FEBRILE,
    Status.FEBRILE_TESTED: Category.FEBRILE,
    Status.RULED_OUT: None,
    Status.SUSPECTED: Category.SUSPECTED,
    Status.EXCLUDED: None,
    Status.CONTACT: Category.CONTACT,
    Status.QUARANTINED: Category.CONTACT,
    Status.RELEASED: None,
    Status.CONFIRMED: Category.CONFIRMED,
    Status.ADMITTED: Category.CONFIRMED,
    Status.DISCHARGED: Category.CONFIRMED,
    Status.POST_DISCHARGE: Category.CONFIRMED,
    Status.RECOVERED: None,
    Status.DIED: None,
}

# Statuses in which a person is still one of the four categories to act on (open).
OPEN = frozenset(s for s, c in CATEGORY_OF.items() if c is not None) - {
    Status.DISCHARGED,
    Status.POST_DISCHARGE,
}
# Statuses of "suspected, febrile not ruled out, contact not released" (certification).
UNRELEASED = frozenset(
    {
        Status.FEBRILE,
        Status.FEBRILE_TESTED,
        Status.SUSPECTED,
        Status.CONTACT,
        Status.QUARANTINED,
    }
)
# The entry statuses: how a person first appears in the line list.
ENTRY: dict[str, str] = {
    Category.FEBRILE: Status.FEBRILE,
    Category.SUSPECTED: Status.SUSPECTED,
    Category.CONTACT: Status.CONTACT,
    Category.CONFIRMED: Status.CONFIRMED,
}


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    effects: tuple[Effect, ...] = ()


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Status.FEBRILE, Status.FEBRILE_TESTED),
    Transition(Status.FEBRILE, Status.SUSPECTED, (Effect.START_TESTS,)),
    Transition(Status.FEBRILE_TESTED, Status.RULED_OUT, (Effect.END_ISOLATION, Effect.STOP_TESTS)),
    Transition(Status.FEBRILE_TESTED, Status.SUSPECTED, (Effect.START_TESTS,)),
    Transition(Status.SUSPECTED, Status.CONFIRMED, (Effect.CONFIRM, Effect.STOP_TESTS)),
    Transition(Status.SUSPECTED, Status.EXCLUDED, (Effect.END_ISOLATION, Effect.STOP_TESTS)),
    Transition(Status.CONTACT, Status.QUARANTINED, (Effect.ISOLATE, Effect.QUARANTINE_TESTS)),
    Transition(Status.CONTACT, Status.SUSPECTED, (Effect.START_TESTS,)),
    Transition(Status.CONTACT, Status.CONFIRMED, (Effect.CONFIRM, Effect.STOP_TESTS)),
    Transition(Status.QUARANTINED, Status.RELEASED, (Effect.END_ISOLATION, Effect.STOP_TESTS)),
    Transition(Status.QUARANTINED, Status.SUSPECTED, (Effect.START_TESTS,)),
    Transition(Status.QUARANTINED, Status.CONFIRMED, (Effect.CONFIRM, Effect.STOP_TESTS)),
    Transition(Status.CONFIRMED, Status.ADMITTED, (Effect.ADMIT,)),
    Transition(Status.CONFIRMED, Status.DIED, (Effect.END_ISOLATION,)),
    # Cured without a hospital bed (a mild case that recovered at home or in a quarantine
    # room before it was admitted): counted as discharged (治愈), as the reports count it.
    Transition(Status.CONFIRMED, Status.DISCHARGED, (Effect.END_ISOLATION,)),
    Transition(Status.ADMITTED, Status.DISCHARGED, (Effect.END_ISOLATION,)),
    Transition(Status.ADMITTED, Status.DIED, (Effect.END_ISOLATION,)),
    Transition(Status.DISCHARGED, Status.POST_DISCHARGE, (Effect.ISOLATE,)),
    Transition(Status.POST_DISCHARGE, Status.RECOVERED, (Effect.END_ISOLATION,)),
)

_TABLE: dict[tuple[str, str], Transition] = {(t.source, t.target): t for t in TRANSITIONS}
# Final statuses: no step out of them in the table. From a final status (or from none,
# a person just registered) a person may enter the line list again in any category.
FINAL = frozenset(s for s in Status.values() if not any(t.source == s for t in TRANSITIONS))
ENTRY_EFFECTS: dict[str, tuple[Effect, ...]] = {
    Status.FEBRILE: (Effect.START_TESTS,),
    Status.SUSPECTED: (Effect.START_TESTS,),
    Status.CONTACT: (),
    Status.CONFIRMED: (Effect.CONFIRM,),
}


def is_final(status: str) -> bool:
    """Whether ``status`` is final (ruled out, excluded, released, recovered, died)."""
    return str(status) in FINAL


def allowed(source: str) -> list[str]:
    """The statuses reachable from ``source`` in one step (in table order)."""
    if not source or is_final(source):
        return [str(s) for s in ENTRY_EFFECTS]
    return [str(t.target) for t in TRANSITIONS if t.source == source]


class IllegalTransition(Exception):
    """Raised by :func:`check`; the services turn it into a ``Conflict`` for people."""

    def __init__(self, source: str, target: str) -> None:
        self.source, self.target = source, target
        options = ", ".join(allowed(source))
        super().__init__(
            f"cannot move from {source or 'no category'!r} to {target!r}; from "
            f"{source or 'no category'!r} the allowed next states are: {options}"
        )


def check(source: str, target: str) -> Transition:
    """The transition ``source → target`` if legal, else :class:`IllegalTransition`."""
    source, target = str(source), str(target)
    if not source or is_final(source):
        if target in ENTRY_EFFECTS:
            return Transition(source, target, ENTRY_EFFECTS[target])
        raise IllegalTransition(source, target)
    found = _TABLE.get((source, target))
    if found is None:
        raise IllegalTransition(source, target)
    return found


def category_of(status: str) -> str | None:
    return CATEGORY_OF.get(status)


def path(source: str, target: str) -> list[str] | None:
    """The shortest run of legal steps from ``source`` to ``target`` (excluding
    ``source``), or None if the table has no way; ``[]`` when they are the same."""
    if source == target:
        return []
    frontier: list[tuple[str, list[str]]] = [(str(source), [])]
    seen = {str(source)}
    while frontier:
        nxt: list[tuple[str, list[str]]] = []
        for status, steps in frontier:
            for t in TRANSITIONS:
                if t.source == status and t.target not in seen:
                    route = [*steps, str(t.target)]
                    if t.target == target:
                        return route
                    seen.add(t.target)
                    nxt.append((str(t.target), route))
        frontier = nxt
    return None
