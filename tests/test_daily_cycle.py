"""The daily cycle: dependency order, idempotent, resumable after a crash."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from warroom.core import daily
from warroom.core.errors import WarroomError
from warroom.core.models import DailyStepRun, ImportBatch

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 2, 12)


@pytest.fixture
def steps():
    """Three steps writing per-day rows (ImportBatch stands in for an app's results)."""
    calls: list[str] = []
    crash = {"b": False}

    def make(name: str):
        def step(day: dt.date) -> str:
            calls.append(name)
            if crash.get(name):
                ImportBatch.objects.create(kind=f"{name}-{day}", sha256="partial", rows=0)
                raise RuntimeError("disk full")
            ImportBatch.objects.filter(kind=f"{name}-{day}").delete()
            ImportBatch.objects.create(kind=f"{name}-{day}", sha256="x", rows=len(calls))
            return f"{name} ok"

        return step

    saved = dict(daily._STEPS)
    daily._STEPS.clear()
    daily.register_step("c", make("c"), after=["b"])
    daily.register_step("a", make("a"))
    daily.register_step("b", make("b"), after=["a"])
    yield calls, crash
    daily._STEPS.clear()
    daily._STEPS.update(saved)


def _state():
    return sorted(ImportBatch.objects.values_list("kind", "sha256"))


def test_steps_run_in_dependency_order(steps):
    calls, _ = steps
    report = daily.run_daily_cycle(DAY)
    assert calls == ["a", "b", "c"]
    assert [name for name, _, _ in report.ran] == ["a", "b", "c"]
    assert set(DailyStepRun.objects.values_list("step", "status")) == {
        ("a", "done"),
        ("b", "done"),
        ("c", "done"),
    }


def test_running_twice_gives_the_same_state(steps):
    daily.run_daily_cycle(DAY)
    first = _state()
    daily.run_daily_cycle(DAY, force=True)
    assert _state() == first
    report = daily.run_daily_cycle(DAY)
    assert report.skipped == ["a", "b", "c"] and _state() == first


def test_a_crash_keeps_what_is_done_and_a_rerun_resumes(steps):
    calls, crash = steps
    crash["b"] = True
    with pytest.raises(daily.CycleFailed, match="step 'b' failed: disk full"):
        daily.run_daily_cycle(DAY)
    assert _state() == [("a-2020-02-12", "x")]  # b's partial write was rolled back
    assert DailyStepRun.objects.get(step="b").status == "failed"
    crash["b"] = False
    calls.clear()
    daily.run_daily_cycle(DAY)
    assert calls == ["b", "c"]
    assert [k for k, _ in _state()] == ["a-2020-02-12", "b-2020-02-12", "c-2020-02-12"]


def test_the_previous_day_is_left_intact(steps):
    daily.run_daily_cycle(DAY - dt.timedelta(days=1))
    before = _state()
    daily.run_daily_cycle(DAY)
    assert set(before) <= set(_state())


def test_unknown_dependencies_and_cycles_are_refused(steps):
    daily.register_step("d", lambda day: "", after=["nope"])
    with pytest.raises(WarroomError, match="unknown step"):
        daily.ordered_steps()
    daily.unregister_step("d")
    daily.register_step("a", lambda day: "", after=["c"])
    with pytest.raises(WarroomError, match="cycle"):
        daily.ordered_steps()


def test_the_cli_reports_each_step(steps):
    from typer.testing import CliRunner

    from warroom.cli import app

    result = CliRunner().invoke(app, ["daily", "--date", "2020-02-12"])
    assert result.exit_code == 0, result.output
    assert "a ok" in result.output and "c ok" in result.output
    bad = CliRunner().invoke(app, ["daily", "--date", "12/02/2020"])
    assert bad.exit_code == 2 and "not a date" in bad.output


def test_an_interrupted_forced_run_leaves_no_later_step_done_from_the_previous_run(steps):
    """Issue 14, finding 10: killed during step b of ``daily --force``, step c stayed "done"
    from the run before and a plain re-run skipped it, on inputs a has since changed."""
    calls, _ = steps
    daily.run_daily_cycle(DAY)

    def killed(day: dt.date) -> str:
        raise KeyboardInterrupt  # kill -9 / Ctrl-C: no handler runs, the step rolls back

    original = daily._STEPS["b"]
    daily._STEPS["b"] = daily.Step("b", killed, after=("a",))
    with pytest.raises(KeyboardInterrupt):
        daily.run_daily_cycle(DAY, force=True)
    daily._STEPS["b"] = original
    status = dict(DailyStepRun.objects.filter(day=DAY).values_list("step", "status"))
    assert status == {"a": "done", "b": "stale", "c": "stale"}
    calls.clear()
    report = daily.run_daily_cycle(DAY)  # not forced: resumes where the forced run stopped
    assert calls == ["b", "c"] and report.skipped == ["a"]


def test_forcing_one_step_makes_the_steps_after_it_stale(steps):
    calls, _ = steps
    daily.run_daily_cycle(DAY)
    daily.run_daily_cycle(DAY, force=True, only=["a"])
    status = dict(DailyStepRun.objects.filter(day=DAY).values_list("step", "status"))
    assert status == {"a": "done", "b": "stale", "c": "stale"}
    calls.clear()
    daily.run_daily_cycle(DAY)
    assert calls == ["b", "c"]


def test_a_first_step_runs_before_every_other(steps):
    calls, _ = steps
    daily.register_step("z", lambda day: calls.append("z") or "z ok", first=True)
    assert daily.ordered_steps()[0].name == "z"
    daily.run_daily_cycle(DAY)
    assert calls == ["z", "a", "b", "c"]


def test_a_last_step_runs_after_every_other_even_those_registered_after_it(steps):
    calls, _ = steps
    daily.register_step("summary", lambda day: calls.append("summary") or "ok", last=True)
    daily.register_step("late", lambda day: calls.append("late") or "ok")
    for late in (False, True):
        assert [s.name for s in daily.ordered_steps(late=late)][-1] == "summary"
    daily.run_daily_cycle(DAY)
    assert calls[-1] == "summary" and sorted(calls) == ["a", "b", "c", "late", "summary"]


def test_the_late_order_puts_each_step_as_late_as_it_can_go(steps):
    daily.register_step("free", lambda day: "ok")
    assert [s.name for s in daily.ordered_steps()] == ["a", "free", "b", "c"]
    assert [s.name for s in daily.ordered_steps(late=True)] == ["a", "b", "c", "free"]


def test_the_longest_chain_of_work_after_a_step_is_timed_by_its_last_run(steps):
    daily.register_step("free", lambda day: "ok")
    for step, seconds, day in [
        ("a", 9.0, DAY - dt.timedelta(days=1)),  # an older run: not read
        ("a", 0.5, DAY),
        ("b", 2.0, DAY),
        ("c", 1.0, DAY),
        ("free", 3.0, DAY),
    ]:
        DailyStepRun.objects.create(
            day=day, step=step, status="done", seconds=seconds, started_at=timezone.now()
        )
    chain = daily._chain_seconds(daily._graph(), {"a", "b", "c", "free"})
    assert chain == {"a": 3.5, "b": 3.0, "c": 1.0, "free": 3.0}
    # a step never run counts one second
    assert daily._chain_seconds(daily._graph(), {"c"}) == {"c": 1.0}
    DailyStepRun.objects.all().delete()
    assert daily._chain_seconds(daily._graph(), {"a", "b", "c"}) == {"a": 3.0, "b": 2.0, "c": 1.0}


@pytest.mark.django_db(transaction=True)  # the workers' own connections see committed rows
def test_steps_free_to_go_run_at_once_on_postgresql_and_one_by_one_on_sqlite(steps):
    calls, _ = steps
    together = threading.Barrier(2, timeout=20)
    spans: dict[str, tuple[float, float, int]] = {}
    parallel = connection.vendor == "postgresql"

    def meet(name: str, *, wait: bool = True):
        def step(day: dt.date) -> str:
            t0 = time.perf_counter()
            if parallel and wait:  # each waits for the other: one by one, both would fail
                together.wait()
            ImportBatch.objects.filter(kind=f"{name}-{day}").delete()
            ImportBatch.objects.create(kind=f"{name}-{day}", sha256="x", rows=1)
            spans[name] = (t0, time.perf_counter(), threading.get_ident())
            return "met"

        return step

    daily.register_step("left", meet("left"))
    daily.register_step("right", meet("right"))
    daily.register_step("end", meet("end", wait=False), after=["left", "right", "c"])
    told: list[tuple[str, str]] = []
    report = daily.run_daily_cycle(
        DAY, workers=2, on_step=lambda step, state: told.append((step.name, state))
    )
    assert sorted(n for n, _, _ in report.ran) == ["a", "b", "c", "end", "left", "right"]
    assert told[-1] == ("end", "done") and len(told) == 12
    left, right, end = spans["left"], spans["right"], spans["end"]
    assert end[0] >= max(left[1], right[1])  # after both
    overlap = left[0] < right[1] and right[0] < left[1]
    assert overlap == parallel
    assert (left[2] != right[2]) == parallel  # two threads, or this one alone
    assert calls.index("a") < calls.index("b") < calls.index("c")
    assert set(DailyStepRun.objects.values_list("step", "status")) == {
        (n, "done") for n in ["a", "b", "c", "left", "right", "end"]
    }
    # inside the caller's transaction (which other connections cannot see): one by one
    spans.clear()
    parallel = False
    with transaction.atomic():
        daily.run_daily_cycle(DAY, workers=2, force=True)
    assert not (spans["left"][0] < spans["right"][1] and spans["right"][0] < spans["left"][1])


@pytest.mark.django_db(transaction=True)
def test_a_failed_step_lets_the_running_ones_finish_and_starts_no_other(steps):
    calls, _ = steps
    fail = {"boom": True}

    def slow(day: dt.date) -> str:
        time.sleep(0.3)
        calls.append("slow")
        return "slow ok"

    def boom(day: dt.date) -> str:
        calls.append("boom")
        if fail["boom"]:
            raise RuntimeError("disk full")
        return "boom ok"

    daily.register_step("slow", slow)
    daily.register_step("boom", boom)
    daily.register_step(
        "after_slow", lambda day: calls.append("after_slow") or "ok", after=["slow"]
    )
    with pytest.raises(daily.CycleFailed, match="step 'boom' failed: disk full"):
        daily.run_daily_cycle(DAY, workers=2)
    status = dict(DailyStepRun.objects.values_list("step", "status"))
    assert status["slow"] == "done" and status["boom"] == "failed"
    assert "after_slow" not in status and "after_slow" not in calls
    calls.clear()
    fail["boom"] = False
    report = daily.run_daily_cycle(DAY, workers=2)  # resumes: what is done is skipped
    assert "slow" in report.skipped and "slow" not in calls
    assert {"after_slow", "boom"} <= set(calls)


def test_a_shared_figure_is_computed_once_a_cycle_and_again_when_what_it_reads_changed(steps):
    computed: list[int] = []
    version = [1]

    def figure() -> int:
        computed.append(version[0])
        return version[0] * 10

    seen: list[int] = []

    def reader(day: dt.date) -> str:
        seen.append(daily.shared("fig", figure, version=lambda: version[0]))
        return "read"

    def writer(day: dt.date) -> str:
        version[0] += 1  # something the figure depends on changed between two steps
        return "wrote"

    daily.register_step("r1", reader, after=["c"])
    daily.register_step("r2", reader, after=["r1"])
    daily.register_step("w", writer, after=["r2"])
    daily.register_step("r3", reader, after=["w"])
    daily.run_daily_cycle(DAY)
    assert seen == [10, 10, 20] and computed == [1, 2]
    daily.run_daily_cycle(DAY, force=True)  # a new run computes it again
    assert seen[3:] == [20, 20, 30] and computed == [1, 2, 2, 3]
    # outside a cycle: computed at each call, the version not asked
    assert daily.shared("fig", figure, version=lambda: 1 / 0) == 30
    assert computed == [1, 2, 2, 3, 3]


@pytest.mark.django_db(transaction=True)  # the server counts changes at their commit
def test_the_planners_statistics_are_refreshed_for_the_tables_an_import_changed():
    """``core.statistics`` (registered first) analyses exactly the tables past autovacuum's
    threshold, whatever the server's autovacuum setting; on SQLite it does nothing."""
    from django.db import connection

    from warroom.core.dbstats import STATISTICS_TARGET, do_refresh_statistics, stale_tables
    from warroom.geo.models import Area

    assert daily.ordered_steps()[0].name == "core.statistics"
    Area.objects.bulk_create(
        [
            Area(code=f"77{i:04d}", name_zh=f"区{i}", level="city", path=f"/77{i:04d}/", depth=0)
            for i in range(300)
        ]
    )
    if connection.vendor != "postgresql":
        assert stale_tables() == [] and "nothing" in do_refresh_statistics()
        return
    with connection.cursor() as cursor:  # the counters are flushed at most once a second
        cursor.execute("SELECT pg_stat_force_next_flush()")
    assert "geo_area" in stale_tables()
    with connection.cursor() as cursor:
        cursor.execute("SHOW default_statistics_target")
        before = cursor.fetchone()[0]
    assert "tables analysed" in do_refresh_statistics()
    assert "geo_area" not in stale_tables()  # analysed: no longer past the threshold
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'geo_area'")
        assert cursor.fetchone()[0] >= 300  # the planner now knows the rows
        # sampled at the step's target: 300 distinct codes in STATISTICS_TARGET + 1
        # histogram bounds (at the server's default, 100: 101), the session's own setting
        # untouched afterwards
        cursor.execute(
            "SELECT array_length(histogram_bounds::text::text[], 1) FROM pg_stats "
            "WHERE tablename = 'geo_area' AND attname = 'code' AND schemaname = current_schema()"
        )
        assert cursor.fetchone()[0] == STATISTICS_TARGET + 1
        cursor.execute("SHOW default_statistics_target")
        assert cursor.fetchone()[0] == before


@pytest.mark.django_db(transaction=True)  # the server counts changes at their commit
def test_the_threshold_scales_with_the_catalogues_rows_not_the_statistics_counters():
    """A database copied from a template (or after a crash) has its statistics counters
    at 0 (``n_live_tup``) while its catalogue still knows the rows (``reltuples``), as
    autovacuum uses: a few changed rows of a large table are then below the threshold,
    not analysed again and again."""
    from django.db import connection

    from warroom.core.dbstats import dead_tables, stale_tables
    from warroom.geo.models import Area

    if connection.vendor != "postgresql":
        assert stale_tables() == [] and dead_tables() == []
        return
    Area.objects.bulk_create(
        [
            Area(code=f"79{i:04d}", name_zh=f"区{i}", level="city", path=f"/79{i:04d}/", depth=0)
            for i in range(400)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # the inserts counted first
        cursor.execute("ANALYZE geo_area")  # the catalogue: >= 400 rows
        cursor.execute("SELECT pg_stat_reset_single_table_counters('geo_area'::regclass)")
    Area.objects.filter(code__in=[f"79{i:04d}" for i in range(70)]).update(population=2)
    with connection.cursor() as cursor:  # 70 changed rows, 70 dead versions
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute(
            "SELECT n_live_tup, n_mod_since_analyze FROM pg_stat_user_tables "
            "WHERE relname = 'geo_area' AND schemaname = current_schema()"
        )
        live, changed = cursor.fetchone()
    assert changed >= 70 and live < 70  # past 50 + 10 % of the view's rows
    assert "geo_area" not in stale_tables()  # but not of the catalogue's: 50 + 40 > 70
    assert "geo_area" not in dead_tables()  # 50 + 80 > 70


@pytest.mark.django_db(transaction=True)  # VACUUM runs only outside a transaction
def test_the_cycle_vacuums_the_tables_an_import_left_dead_rows_in():
    """Rows updated past autovacuum's vacuum threshold leave dead versions that every scan
    reads: the cycle's first step vacuums those tables (outside its transaction), and
    inside a caller's transaction it only analyses."""
    from warroom.core.dbstats import dead_tables, do_refresh_statistics
    from warroom.geo.models import Area

    Area.objects.bulk_create(
        [
            Area(code=f"78{i:04d}", name_zh=f"区{i}", level="city", path=f"/78{i:04d}/", depth=0)
            for i in range(300)
        ]
    )
    Area.objects.filter(code__startswith="78").update(population=1)  # 300 dead versions
    if connection.vendor != "postgresql":
        assert dead_tables() == [] and "nothing" in do_refresh_statistics()
        return

    def flush() -> None:  # the counters reach the server at most once a second
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")

    flush()
    assert "geo_area" in dead_tables()
    with transaction.atomic():
        assert "vacuumed" not in do_refresh_statistics()  # in a transaction: analyse only
    flush()
    assert "geo_area" in dead_tables()

    def vacuums() -> int:  # VACUUMs of the areas' table so far (the statistics view)
        flush()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'geo_area' "
                "AND schemaname = current_schema()"
            )
            return int(cursor.fetchone()[0])

    before = vacuums()
    report = daily.run_daily_cycle(DAY, only=["core.statistics"])
    assert report.ran[0][0] == "core.statistics"
    summary = DailyStepRun.objects.get(day=DAY, step="core.statistics").summary
    assert "vacuumed" in summary
    # The step vacuumed the table (whether VACUUM could also drop the dead versions depends
    # on every other session of the database: an open transaction elsewhere, e.g. another
    # test's server thread, keeps them visible; CI saw that once).
    assert vacuums() == before + 1
