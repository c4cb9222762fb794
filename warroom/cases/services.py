"""Every change to a person, a sample, a contact: ``do_<verb>_<noun>(..., *, actor)``.

Status changes go through :mod:`warroom.cases.states` (legality) and :func:`apply_transition`
(effects), which the bulk importers share, so a file and a form move people the same way.
A person's row is written with a conditional UPDATE on ``version``: of two users changing
the same person at once, one wins and the other gets a ``Conflict``.

The module is the one place the app's changes are called from; its sections live in
``validating``, ``transitions``, ``people``, ``admission``."""

from __future__ import annotations

from warroom.cases._base import (  # noqa: F401
    PROFILE_FIELDS,
    STATE_FIELDS,
    new_transition,
)
from warroom.cases.admission import (  # noqa: F401
    BedAssignment,
    do_assign_beds,
)
from warroom.cases.people import (  # noqa: F401
    ISOLATABLE,
    ContactAdded,
    apply_isolation,
    do_add_contact,
    do_isolate_person,
    do_merge_people,
    do_record_result,
    do_record_sample,
    do_record_treatment,
    do_register_person,
    do_set_severity,
    do_transition_person,
    do_update_person,
)
from warroom.cases.transitions import (  # noqa: F401
    RESULT_REASON,
    SAMPLE_TAKEN,
    BulkTransitionListener,
    TransitionListener,
    apply_transition,
    consume_test_due,
    note_isolation,
    notify_bulk_transitions,
    register_bulk_transition_listener,
    register_transition_listener,
    result_targets,
    save_isolation_history,
    set_test_due,
    unregister_transition_listener,
)
from warroom.cases.validating import (  # noqa: F401
    HOME_AREAS,
    check_choices,
    check_text,
    clean_identity,
    duplicate_of,
    is_home_area,
    require_compound,
)
