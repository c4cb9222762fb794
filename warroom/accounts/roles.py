"""Roles and what each may do. The one table of capabilities; code asks ``user.can(x)``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HQ_LEADER = "hq_leader", _("Headquarters leader")
    ANALYST = "analyst", _("Analyst")
    DISPATCHER = "dispatcher", _("Dispatcher")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    STREET_OFFICER = "street_officer", _("Street officer")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    GRID_WORKER = "grid_worker", _("Grid worker")
    HOTLINE_OPERATOR = "hotline_operator", _("Hotline operator")
    LOGISTICS_OFFICER = "logistics_officer", _("Logistics officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    AUDITOR = "auditor", _("Auditor (read-only)")


# Capabilities:
#   view          read operational data of one's subtree (everyone)
#   change        create and change operational records (not the read-only roles)
#   admin         the back office (Django admin), scoped like everything else
#   manage_areas  import and edit the area tree
#   audit         read the audit log
#   people        see person-level records (the four categories' line list); without
#                 it a role sees aggregates only (the analyst, the auditor)
#   personal_data see ID numbers and phones unmasked (each view is itself audited)
#   inspect       inspect compounds against the checklists (street, district, HQ levels)
#   verify        verify (or reopen) someone else's submitted task, e.g. a rectification
#   dispatch      place waiting people into beds (propose, confirm, transfer, discharge)
#   approve       decide businesses' resumption applications (by level: docs/zones.md)
#   set_level     override an area's computed risk level, with a reason (HQ)
#   import_series import a city's published daily series (the analyst's real data; the
#                 cycle then runs for its days in the importer's scope)
#   accountability see and record accountability and commendation decisions (问责/表彰)
#   appeals       handle citizen appeals: triage, route, answer, escalate, rebut rumours
_ALL = frozenset({"view"})
_WRITE = _ALL | {"change", "people"}
_BY_ROLE = {
    Role.HQ_LEADER: _WRITE
    | {
        "admin",
        "manage_areas",
        "audit",
        "personal_data",
        "inspect",
        "verify",
        "dispatch",
        "approve",
        "set_level",
        "import_series",
        "accountability",
        "appeals",
    },
    Role.ANALYST: _ALL | {"import_series"},
    Role.DISPATCHER: _WRITE | {"personal_data", "dispatch"},
    Role.DISTRICT_OFFICER: _WRITE
    | {
        "admin",
        "personal_data",
        "inspect",
        "verify",
        "dispatch",
        "approve",
        "import_series",
        "appeals",
    },
    Role.STREET_OFFICER: _WRITE | {"personal_data", "inspect", "verify", "approve", "appeals"},
    Role.COMMUNITY_WORKER: _WRITE | {"personal_data", "appeals"},
    Role.GRID_WORKER: _WRITE | {"personal_data"},
    Role.HOTLINE_OPERATOR: _WRITE | {"appeals"},
    Role.LOGISTICS_OFFICER: _WRITE - {"people"},
    Role.SUPERVISOR: _WRITE | {"audit", "inspect", "verify", "accountability"},
    Role.AUDITOR: _ALL | {"audit"},
}
CAPABILITIES: dict[str, frozenset[str]] = {str(role): caps for role, caps in _BY_ROLE.items()}
