"""Finds the writes a module makes behind the import services' back (the architecture tests).

The demo feeds the platform only through the import services users have (issue 21: "no
path only the demo uses"). :func:`direct_writes` reads a module's syntax tree and names
every line that writes to the database itself: a model's ``save``/``delete``, a
manager's or queryset's ``create``/``bulk_create``/``bulk_update``/``update``/
``get_or_create``/``update_or_create``/``delete``, raw SQL (``connection.cursor``,
``cursor.execute``/``executemany``/``copy``, ``raw``, ``extra``, ``RawSQL``, importing
``django.db.connection``), and SQL write statements in string literals.

``update`` is also ``dict.update``: a call counts as a queryset's when what it is called
on is built from ``.objects`` or a queryset method (``filter``, ``exclude``, ``all`` ...)
or is a name ending in ``qs``/``queryset``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

# Always a write, whatever the receiver.
_WRITES = {
    "save",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "execute",
    "executemany",
    "executescript",
    "raw",
    "extra",
    "cursor",
    "copy_from",
    "copy_expert",
}
# A write when called on a manager or a queryset (``dict.update``/``set`` are not).
_QUERYSET_WRITES = {"update", "create", "delete", "copy"}
_QUERYSET_METHODS = {
    "objects",
    "filter",
    "exclude",
    "all",
    "select_for_update",
    "select_related",
    "only",
    "defer",
    "order_by",
    "restrict",
    "using",
}
_SQL = re.compile(r"\b(INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|COPY\s+\w+)\b", re.I)
_RAW_NAMES = {"connection", "connections", "RawSQL"}


def _is_queryset(node: ast.AST) -> bool:
    """Whether ``node`` (what a method is called on) is a manager or queryset chain."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in _QUERYSET_METHODS:
                return True
            node = node.value
        elif isinstance(node, ast.Name):
            name = node.id.lower()
            return name.endswith(("qs", "queryset"))
        else:
            return False


def direct_writes(source: str) -> list[tuple[int, str]]:
    """(line, what) for every database write ``source`` makes itself."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            if attr in _WRITES:
                found.append((node.lineno, f".{attr}()"))
            elif attr in _QUERYSET_WRITES and _is_queryset(node.func.value):
                found.append((node.lineno, f"QuerySet.{attr}()"))
            elif attr == "delete" and not node.args:
                found.append((node.lineno, ".delete()"))
        elif isinstance(node, ast.Name) and node.id == "RawSQL":
            found.append((node.lineno, "RawSQL"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django.db"):
            for alias in node.names:
                if alias.name in _RAW_NAMES:
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
        elif isinstance(node, ast.Attribute) and node.attr in _RAW_NAMES:
            found.append((node.lineno, f".{node.attr}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = _SQL.search(node.value)
            if match:
                found.append((node.lineno, f"SQL {match.group(1)!r}"))
    return sorted(found)


def direct_writes_in(folder: Path) -> dict[str, list[tuple[int, str]]]:
    """:func:`direct_writes` of every module under ``folder`` that makes any."""
    out = {}
    for path in sorted(folder.rglob("*.py")):
        writes = direct_writes(path.read_text(encoding="utf-8"))
        if writes:
            out[str(path)] = writes
    return out
