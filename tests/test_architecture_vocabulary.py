"""One definition of each shared word (issue 13, "Vocabulary").

The bed types and the placement ladder, the columns of the DESIGN §4 daily report and
the certification reasons live in :mod:`warroom.analytics.vocabulary`; everything else
imports them. This test reads every module of the package and fails on a literal that
spells one of them out again (the way the three copies of each came about).
"""

from __future__ import annotations

import ast
from pathlib import Path

from warroom.analytics.vocabulary import BED_TYPES, REPORT_COLUMNS, Reason

PACKAGE = Path(__file__).resolve().parent.parent / "warroom"
HOME = PACKAGE / "analytics" / "vocabulary.py"
# The reason codes, less those that are also everyday words or the names of the facts
# (``unreleased_suspected`` is a fact and a reason).
CERTIFICATION_CODES = (set(Reason.NAMES.values()) | set(Reason.STORED.values())) - {
    "children",
    "unreleased_suspected",
    "unreleased_febrile",
    "unreleased_contacts",
    "clearance_backlog",
}


def _strings(nodes: list[ast.expr | None]) -> list[str]:
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _ints(nodes: list[ast.expr | None]) -> bool:
    return bool(nodes) and all(isinstance(n, ast.Constant) and type(n.value) is int for n in nodes)


def copies(source: str) -> list[tuple[int, str]]:
    """(line, what) for each literal in ``source`` that repeats a shared definition."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            words = _strings(list(node.elts))
        elif isinstance(node, ast.Dict):
            keys = _strings(list(node.keys))
            values = _strings(list(node.values))
            # keyed by a need (not by a string: aliases of an import map strings to types)
            if not keys and len(set(values) & set(BED_TYPES)) >= 4:
                found.append((node.lineno, "a need → bed type table"))
            if len(set(keys) & set(BED_TYPES)) >= 4 and _ints(list(node.values)):
                found.append((node.lineno, "the bed ladder"))
            words = keys + values
        else:
            continue
        sequence = not isinstance(node, ast.Dict)  # a table keyed by them is no copy
        if sequence and len(set(words) & set(BED_TYPES)) >= 4:
            found.append((node.lineno, "the bed types"))
        if sequence and len(set(words) & set(REPORT_COLUMNS)) >= 6:
            found.append((node.lineno, "the daily report's columns"))
        if len(set(words) & CERTIFICATION_CODES) >= 3:
            found.append((node.lineno, "the certification reasons"))
    return found


def test_each_shared_word_is_defined_once() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {what}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != HOME and "migrations" not in path.parts
        for line, what in copies(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "import it from warroom.analytics.vocabulary:\n" + "\n".join(offenders)


def test_the_check_sees_each_kind_of_copy() -> None:
    assert copies('X = ("ICU", "SEVERE", "GENERAL", "SHELTER", "QUARANTINE")')
    assert copies('L = {"ICU": 3, "SEVERE": 2, "GENERAL": 1, "SHELTER": 1}')
    assert copies('N = {0: "ICU", 1: "SEVERE", 2: "SHELTER", 3: "QUARANTINE"}')
    assert copies(f"C = {list(REPORT_COLUMNS)!r}")
    assert copies('R = {1: "recent_case", 2: "unreleased", 4: "backlog"}')
    assert copies(
        'R = {1: "confirmed_in_window", 32: "inspection_missing", 64: "child_not_certified"}'
    )
    assert copies(f"R = {dict(Reason.NAMES)!r}")
    assert not copies('KIND = {"DESIGNATED": ("ICU", "SEVERE", "GENERAL")}')
    assert not copies(
        'COLOURS = {"ICU": "#c00", "SEVERE": "#e60", "GENERAL": "#06c", "SHELTER": "#0a0"}'
    )
    assert not copies(
        'ALIASES = {"重症监护": "ICU", "重症": "SEVERE", "普通": "GENERAL", "方舱": "SHELTER"}'
    )
