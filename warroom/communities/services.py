"""Every change in communities: closure, inspections, certification, reopening.

The module is the one place the app's changes are called from; its sections live in
``closing``, ``inspecting``, ``certifying``, ``reopening``."""

from __future__ import annotations

from warroom.communities._base import (  # noqa: F401
    DEFAULT_DEADLINE_DAYS,
    INSPECTOR_LEVELS,
)
from warroom.communities.certifying import (  # noqa: F401
    RecomputeResult,
    do_decertify_on_new_case,
    do_recompute_certification,
)
from warroom.communities.closing import (  # noqa: F401
    PASS_DAYS,
    check_pass,
    current_closure,
    do_add_entry_point,
    do_issue_pass,
    do_record_passage,
    do_revoke_pass,
    do_set_closure,
)
from warroom.communities.inspecting import (  # noqa: F401
    InspectionProblem,
    ItemResult,
    active_checklist,
    area_problem,
    check_inspector,
    checklist_in_use,
    do_publish_checklist,
    do_record_inspection,
    inspection_problems,
    inspection_states,
    open_rectification,
)
from warroom.communities.reopening import (  # noqa: F401
    describe_failed_checks,
    do_apply_reopening,
    do_decide_reopening,
    latest_status,
    reopening_checks,
)
