"""Case facts for certification, from whichever app owns the cases.

The communities app does not import the cases app: the cases app registers a provider
at start-up (in its ``AppConfig.ready``)::

    from warroom.communities.facts import register_case_facts_provider
    register_case_facts_provider(compound_case_facts)

``compound_case_facts(as_of)`` returns, keyed by area id, the facts of every compound
(or other unit, e.g. a village without compounds) that has any: the date of its last
confirmed case, how many suspected / febrile / close contacts of the last 14 days are not
released, and its open clearance backlog. An area absent from the dict has none of them.

With no provider registered certification cannot decide: every unit is "unknown: no case
data", never certified by default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class CaseFacts:
    last_confirmed: dt.date | None
    unreleased: int
    open_backlog: int


@runtime_checkable
class CaseFactsProvider(Protocol):
    def compound_case_facts(self, as_of: dt.date) -> dict[int, CaseFacts]: ...


FactsFunction = Callable[[dt.date], dict[int, CaseFacts]]

_provider: FactsFunction | None = None


def register_case_facts_provider(fn: FactsFunction | CaseFactsProvider | None) -> None:
    """Register the source of case facts (a function of ``as_of``, or a provider object).

    ``None`` unregisters it (tests). The last registration wins.
    """
    global _provider
    if fn is None or (callable(fn) and not isinstance(fn, CaseFactsProvider)):
        _provider = fn  # type: ignore[assignment]
    elif isinstance(fn, CaseFactsProvider):
        _provider = fn.compound_case_facts
    else:
        raise TypeError("a case facts provider is a function of as_of or has compound_case_facts")


def case_facts_provider() -> FactsFunction | None:
    return _provider


def compound_case_facts(as_of: dt.date) -> dict[int, CaseFacts] | None:
    """The registered provider's facts for ``as_of``, or None when nobody provides them."""
    if _provider is None:
        return None
    return _provider(as_of)
