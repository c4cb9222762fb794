"""Feed one more whole-city day into a database fed before, timing each part of the day.

A tool for issue 21, not a bench with a target: the day's imports, the platform's dispatch
and the daily cycle of day N+1, on a database fed N days by ``warroom demo --no-serve
--days N`` (the twin replays the N days without importing them, as a resumed demo does).
It writes into the database: run it on a copy.

    WARROOM_DATA_DIR=<copy of a SQLite data dir> .venv/bin/python bench/feed_one_day.py 45
    DATABASE_URL=<copy of a PostgreSQL database> .venv/bin/python bench/feed_one_day.py 45

Prints the wall and process CPU time of each import kind, the dispatch, the cycle and its
largest steps (45: 15 February 2020, the day after the W1 peak).
"""

import datetime as dt
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warroom.settings")
import django

django.setup()

from warroom.accounts.models import User  # noqa: E402
from warroom.core.context import SYSTEM  # noqa: E402
from warroom.demo import feed as feedmod  # noqa: E402
from warroom.demo.dispatch import platform_dispatcher  # noqa: E402
from warroom.demo.feed import do_feed_twin  # noqa: E402

fed = int(sys.argv[1])
hq = User.objects.get(username="hq")
times: dict[str, list[float]] = {}


def timed(name, fn):
    def wrapper(*a, **k):
        w, c = time.perf_counter(), time.process_time()
        try:
            return fn(*a, **k)
        finally:
            t = times.setdefault(name, [0.0, 0.0])
            t[0] += time.perf_counter() - w
            t[1] += time.process_time() - c

    return wrapper


orig_import = feedmod._import


def _import(kind, header, rows, name, actor, replay=False):
    if replay:
        return orig_import(kind, header, rows, name, actor, replay=replay)
    return timed(f"import {kind}", orig_import)(kind, header, rows, name, actor, replay=replay)


feedmod._import = _import
_orig_cycle = feedmod.run_daily_cycle
step_cpu: dict[str, tuple[float, float]] = {}  # (wall, CPU)


def run_daily_cycle(day, **kw):
    mark = [time.perf_counter(), time.process_time()]

    def on_step(step, status):
        now = [time.perf_counter(), time.process_time()]
        if status == "done":
            step_cpu[step.name] = (now[0] - mark[0], now[1] - mark[1])
        mark[:] = now

    return _orig_cycle(day, on_step=on_step, **kw)


feedmod.run_daily_cycle = run_daily_cycle
for name in ("feed_logistics", "feed_day_appeals", "do_import_daily_reports", "run_daily_cycle"):
    setattr(feedmod, name, timed(name, getattr(feedmod, name)))
disp = platform_dispatcher(hq)


def dispatcher(day):
    if day <= dt.date(2020, 1, 1) + dt.timedelta(days=fed - 1):
        return disp(day)
    return timed("dispatch", lambda d: list(disp(d)))(day)


def on_open(day):
    from warroom.core.today import do_set_today

    do_set_today(day, actor=SYSTEM, label="exercise", step=fed + 1, steps=90)


w0, c0 = time.perf_counter(), time.process_time()
do_feed_twin(
    "wuhan-2020",
    actor=hq,
    scale=1.0,
    days=fed + 1,
    dispatcher=dispatcher,
    fed_before=fed,
    on_open=on_open,
)
for k, (w, c) in times.items():
    print(f"{k:28s} wall {w:7.2f} s  CPU {c:7.2f} s")
for k, (w, c) in sorted(step_cpu.items(), key=lambda kv: -kv[1][0])[:14]:
    print(f"   cycle step {k:26s} wall {w:6.2f} s  CPU {c:6.2f} s")
wall, cpu = time.perf_counter() - w0, time.process_time() - c0
print(f"{'total (with the replay)':28s} wall {wall:7.2f} s  CPU {cpu:7.2f} s")
