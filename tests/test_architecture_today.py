"""The platform's today — one door (``warroom/core/today.py``), held by reading the code.

"Today" is the platform's (an exercise or a replay sets it; the demo sets its last
simulated day): a page, a default form value, a selector, a service or the stand-up that
asked the wall clock showed 2026 while the data ended in 2020 (issue 16). So no module
calls ``timezone.localdate()`` (no argument: the wall clock's date) or
``date.today()`` but ``warroom/core/today.py``; a conversion ``timezone.localdate(moment)``
is fine. The pure packages (the twin, the analytics, the analyst's commands, the table
reader, the resident-ID check) take their day as an argument or use the calendar's date
for what does not depend on the platform (a birth date in the future).
"""

from __future__ import annotations

import ast

from tests.test_architecture import modules

DOOR = "warroom/core/today.py"
PURE = (
    "warroom/twin/",
    "warroom/analytics/",
    "warroom/series/",
    "warroom/tables.py",
    "warroom/exports.py",
    "warroom/cases/identity.py",
)


def _wall_clock_dates(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        f = node.func
        owner = f.value
        owner_name = (
            owner.id
            if isinstance(owner, ast.Name)
            else owner.attr
            if isinstance(owner, ast.Attribute)
            else ""
        )
        if f.attr == "localdate" and not node.args and not node.keywords:
            found.append((node.lineno, "timezone.localdate()"))
        if f.attr == "today" and owner_name == "date" and not node.args:
            found.append((node.lineno, "date.today()"))
    return found


def test_only_the_door_reads_todays_date_from_the_wall_clock() -> None:
    problems = []
    for rel, tree in modules():
        if rel == DOOR or rel.startswith(PURE):
            continue
        for line, what in _wall_clock_dates(tree):
            problems.append(f"{rel}:{line}: {what} — call warroom.core.today.today()")
    assert not problems, "\n".join(problems)


def test_the_check_sees_a_new_call() -> None:
    tree = ast.parse("from django.utils import timezone\nday = timezone.localdate()\n")
    assert _wall_clock_dates(tree) == [(2, "timezone.localdate()")]
    tree = ast.parse("import datetime as dt\nday = dt.date.today()\nx = timezone.localdate(m)\n")
    assert _wall_clock_dates(tree) == [(2, "date.today()")]
