"""The planner's statistics kept up with the imports (the daily step ``core.statistics``).

PostgreSQL plans a join from each table's statistics, which ``ANALYZE`` gathers; the
autovacuum daemon runs it once a table has changed by more than 50 rows + 10 % since the
last time, but only when it is on and has caught up. A city's imports write tens of
thousands of rows in one transaction: measured on the whole-city demo with autovacuum
off (as on the CI machines), the areas' table (10,614 rows) was still planned as 6 rows
on the 11th day, and one rate's statement nested a loop over every person 10,614 times
(75 s of a 78 s cycle). So the cycle does what autovacuum would, first, whatever the
server's settings: ``ANALYZE`` of exactly the tables past autovacuum's own threshold
(cheap: a sample of 30,000 rows at most, and nothing when nothing changed), and
``VACUUM`` of the tables past its vacuum threshold (dead rows over 50 + 20 %).

SQLite plans without statistics unless ``ANALYZE`` was run once, and then keeps those
until the next one: the step leaves SQLite as it is (no plan changes under the user).
"""

from __future__ import annotations

from django.db import connection

BASE, SHARE = 50, 0.1  # autovacuum_analyze_threshold and _scale_factor's defaults
# The step's ``default_statistics_target`` (the server's default is 100): ANALYZE samples
# 300 rows per unit, 7,500 rows instead of 30,000. Measured on the whole city's 45th day,
# the people's table (344,000 rows) was analysed in 80-125 ms instead of 230 ms, the
# transitions' (1 M rows) in 95-100 ms instead of 250-320 ms; the step was a quarter of a
# PostgreSQL cycle. What the planner needs of these tables (row counts, a state's share, a
# date range's, the rows per key of a join) holds at that size (PostgreSQL's default until
# 8.4 was 10); a column given its own target (``ALTER TABLE ... SET STATISTICS``) keeps it.
STATISTICS_TARGET = 25
VACUUM_BASE, VACUUM_SHARE = 50, 0.2  # autovacuum_vacuum_threshold and _scale_factor's


def stale_tables() -> list[str]:
    """The tables changed past autovacuum's threshold since their last analysis."""
    return _past("n_mod_since_analyze", BASE, SHARE)


def dead_tables() -> list[str]:
    """The tables whose dead rows (the old versions an update or delete leaves) are past
    autovacuum's vacuum threshold."""
    return _past("n_dead_tup", VACUUM_BASE, VACUUM_SHARE)


def _past(counter: str, base: float, share: float) -> list[str]:
    if connection.vendor != "postgresql":
        return []
    # The threshold scales with the catalogue's row estimate (pg_class.reltuples, as
    # autovacuum's does; -1 when never analysed: 0), not with the statistics view's
    # n_live_tup: that counter is not carried by a database copied from a template (nor
    # kept over a server crash), and at 0 every table past 50 changed rows was analysed
    # again (the notifications' 53,000 rows: 0.4 s of a forced cycle on a fresh copy).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.relname FROM pg_stat_user_tables s "  # noqa: S608
            f"JOIN pg_class c ON c.oid = s.relid WHERE s.schemaname = current_schema() "
            f"AND s.{counter} > %s + %s * GREATEST(c.reltuples, 0) ORDER BY s.relname",
            [base, share],
        )
        return [row[0] for row in cursor.fetchall()]


def do_refresh_statistics(day: object = None) -> str:
    """``VACUUM (ANALYZE)`` the tables with too many dead rows, ``ANALYZE`` the other
    stale ones (PostgreSQL); the daily step's summary.

    Without vacuum an updated row's old versions stay in the table: the whole city's
    people, updated by every day's imports, were 344,000 live rows and 822,000 dead ones
    (328 MB) after 45 days with autovacuum off, and every scan of them read the dead ones
    too. ``VACUUM`` cannot run inside a transaction: the step is registered outside the
    cycle's (``atomic=False``); called inside one (a caller's transaction, a test) it only
    analyses. Both sample at :data:`STATISTICS_TARGET`.
    """
    if connection.vendor != "postgresql":
        return "SQLite: nothing to do"
    quote = connection.ops.quote_name
    inside = connection.in_atomic_block
    vacuumed = [] if inside else dead_tables()
    with connection.cursor() as cursor:
        # For this step only: inside a transaction the setting ends with it (is_local),
        # outside it is reset at the end.
        cursor.execute(
            "SELECT set_config('default_statistics_target', %s, %s)",
            [str(STATISTICS_TARGET), inside],
        )
        try:
            for table in vacuumed:
                cursor.execute(f"VACUUM (ANALYZE) {quote(table)}")
            analysed = [t for t in stale_tables() if t not in vacuumed]
            for table in analysed:
                cursor.execute(f"ANALYZE {quote(table)}")
        finally:
            if not inside:
                cursor.execute("RESET default_statistics_target")
    parts = []
    if vacuumed:
        parts.append(f"{len(vacuumed)} tables vacuumed: {', '.join(vacuumed[:6])}")
    parts.append(
        f"{len(analysed)} tables analysed" + (f": {', '.join(analysed[:8])}" if analysed else "")
    )
    return "; ".join(parts)
