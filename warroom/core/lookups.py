"""``field__under=prefix``: the subtree filter on a materialised path, fast on both databases.

PostgreSQL: ``LIKE 'prefix%'``, served by the path index's ``varchar_pattern_ops``.
SQLite: its LIKE only uses an index under a case-insensitive collation, so the same
filter is written as the range ``prefix <= path < prefix⁺`` (prefix with its last
character incremented), which is exact under SQLite's binary collation and an index
search. Paths never contain ``%`` or ``_``, but both are escaped anyway.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Lookup


def _upper_bound(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


@CharField.register_lookup
class Under(Lookup):  # type: ignore[type-arg]
    lookup_name = "under"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = str(self.rhs)
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{lhs} LIKE %s ESCAPE '\\'", [*lhs_params, escaped + "%"]

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = str(self.rhs)
        if not prefix:
            return "1 = 1", []
        return f"({lhs} >= %s AND {lhs} < %s)", [
            *lhs_params,
            prefix,
            *lhs_params,
            _upper_bound(prefix),
        ]
