"""The planner's statistics kept up with the imports (the daily step ``core.statistics``).

PostgreSQL plans a join from each table's statistics, which ``ANALYZE`` gathers; the
autovacuum daemon runs it once a table has changed by more than 50 rows + 10 % since the
last time, but only when it is on and has caught up. A city's imports write tens of
thousands of rows in one transaction: measured on the whole-city demo with autovacuum
off (as on the CI machines), the areas' table (10,614 rows) was still planned as 6 rows
on the 11th day, and one rate's statement nested a loop over every person 10,614 times
(75 s of a 78 s cycle). So the cycle does what autovacuum would, first, whatever the
server's settings: ``ANALYZE`` of exactly the tables past autovacuum's own threshold
(cheap: a sample of 30,000 rows at most, and nothing when nothing changed).

SQLite plans without statistics unless ``ANALYZE`` was run once, and then keeps those
until the next one: the step leaves SQLite as it is (no plan changes under the user).
"""

from __future__ import annotations

from django.db import connection

BASE, SHARE = 50, 0.1  # autovacuum_analyze_threshold and _scale_factor's defaults


def stale_tables() -> list[str]:
    """The tables changed past autovacuum's threshold since their last analysis."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
            "AND n_mod_since_analyze > %s + %s * n_live_tup ORDER BY relname",
            [BASE, SHARE],
        )
        return [row[0] for row in cursor.fetchall()]


def do_refresh_statistics(day: object = None) -> str:
    """``ANALYZE`` the stale tables (PostgreSQL); the daily step's summary."""
    tables = stale_tables()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {quote(table)}")
    if connection.vendor != "postgresql":
        return "SQLite: nothing to do"
    return f"{len(tables)} tables analysed" + (f": {', '.join(tables[:8])}" if tables else "")
