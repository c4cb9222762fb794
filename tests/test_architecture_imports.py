"""The import finisher is the one door: no importer writes an ``ImportBatch`` itself.

A small AST check over the package: creating, updating or deleting ``ImportBatch`` rows
(through its manager, a queryset of it, or its constructor) is allowed only in
``warroom/core/imports.py``. A new importer that records its batch by hand fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "warroom"
DOOR = PACKAGE / "core" / "imports.py"
WRITES = {
    "create",
    "bulk_create",
    "get_or_create",
    "update_or_create",
    "update",
    "bulk_update",
    "delete",
    "save",
}


def _mentions_import_batch(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "ImportBatch" for n in ast.walk(node))


def import_batch_writes(source: str) -> list[int]:
    """Lines of ``source`` that write ImportBatch rows."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id == "ImportBatch") or (
            isinstance(func, ast.Attribute)
            and func.attr in WRITES
            and _mentions_import_batch(func.value)
        ):
            found.append(node.lineno)
    return found


def test_the_check_sees_each_way_of_writing_a_batch():
    source = (
        "ImportBatch.objects.create(kind='x')\n"
        "ImportBatch.objects.filter(kind='x').update(rows=1)\n"
        "ImportBatch(kind='x').save()\n"
        "ImportBatch.objects.filter(kind='x').exists()\n"
    )
    assert import_batch_writes(source) == [1, 2, 3, 3]


def test_no_importer_writes_an_import_batch_except_through_the_finisher():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == DOOR or "migrations" in path.parts:
            continue
        for line in import_batch_writes(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    assert offenders == [], "write ImportBatch rows through warroom.core.imports.finish_import"
