"""The demo end to end: `warroom demo` on SQLite and PostgreSQL, timed by part.

One run per (database, scale), each in a fresh process against a fresh database: the
demo city, the demo facilities, the demo users, then the wuhan-2020 outbreak fed day by
day through the platform (line lists, lab results, placements, the §4 reports) and the
daily cycle of every day. Prints the total wall time split into set-up, simulation,
platform ingest and the daily cycle (with its slowest steps), and the peer: the same
outbreak fed as aggregate reports only (what the demo did before the line lists).

A run takes minutes, so each figure is one run (no median); run it again to see the spread.

    python bench/bench_demo.py                                  # default scale, both DBs
    python bench/bench_demo.py --scales 0.05,0.2 --dbs sqlite   # chosen scales / DBs
    python bench/bench_demo.py --days 60 --no-peer
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, database_env, finish, setup_django, target


def child(scale: float, days: int | None, line_lists: bool) -> None:
    t0 = time.perf_counter()
    setup_django()
    from django.db.models import Sum

    from warroom.accounts.models import User
    from warroom.beds.imports import do_load_demo_facilities
    from warroom.cli import ensure_demo_users
    from warroom.core.models import DailyStepRun
    from warroom.demo.dispatch import platform_dispatcher
    from warroom.demo.feed import do_feed_twin
    from warroom.geo.services import do_load_demo_city

    do_load_demo_city()
    do_load_demo_facilities(scale=scale)
    ensure_demo_users()
    setup = time.perf_counter() - t0
    hq = User.objects.get(username="hq")
    fed = do_feed_twin(
        "wuhan-2020",
        actor=hq,
        scale=scale,
        days=days,
        line_lists=line_lists,
        # As `warroom demo` does: the platform's dispatch places the waiting.
        dispatcher=platform_dispatcher(hq) if line_lists else None,
    )
    total = time.perf_counter() - t0
    steps = dict(
        DailyStepRun.objects.values("step")
        .annotate(s=Sum("seconds"))
        .order_by("-s")
        .values_list("step", "s")[:3]
    )
    print(
        json.dumps(
            {
                "total": total,
                "setup": setup,
                **fed.seconds,
                "days": fed.days,
                "people": fed.people,
                "line_rows": fed.line_rows,
                "samples": fed.samples,
                "results": fed.results,
                "contacts": fed.contacts,
                "admissions": fed.admissions,
                "steps": steps,
            }
        )
    )


def run(kind: str, scale: float, days: int | None, line_lists: bool) -> dict[str, object]:
    env = database_env(kind)
    env["DJANGO_SETTINGS_MODULE"] = "warroom.settings"
    env["PYTHONPATH"] = str(ROOT)
    args = [sys.executable, __file__, "--child", str(scale), str(days or 0), str(int(line_lists))]
    out = subprocess.run(args, env=env, check=False, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"demo {kind} scale {scale:g} failed:\n{out.stderr[-4000:]}")
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    # The quick look (`warroom demo --scale 0.05`); the whole city (the default since issue
    # 21) is bench_full_demo.py's.
    DEMO_SCALE = 0.05

    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default=str(DEMO_SCALE))
    parser.add_argument("--dbs", default="sqlite,postgres")
    parser.add_argument("--days", type=int, default=None)
    parser.add_argument("--no-peer", action="store_true")
    opts = parser.parse_args()
    for scale in (float(s) for s in opts.scales.split(",")):
        for kind in opts.dbs.split(","):
            r = run(kind, scale, opts.days, True)
            if scale == DEMO_SCALE and opts.days is None:
                # The quick look takes about 3 minutes on 2 cores.
                print(f"demo {kind} at 5 %: " + target(f"demo {kind}", r["total"], 300, "s"))
            print(
                f"demo {kind:8} scale {scale:g}, {r['days']} days: total {r['total']:.0f} s = "
                f"set-up {r['setup']:.0f} + simulation {r['simulation']:.0f} + ingest "
                f"{r['ingest']:.0f} + daily cycle {r['cycle']:.0f} s; fed {r['people']:,} "
                f"people, {r['line_rows']:,} line-list rows, {r['samples']:,} samples, "
                f"{r['results']:,} results, {r['contacts']:,} contacts, "
                f"{r['admissions']:,} admissions",
                flush=True,
            )
            steps = r["steps"]
            assert isinstance(steps, dict)
            print(
                "    slowest cycle steps: " + ", ".join(f"{k} {v:.0f} s" for k, v in steps.items())
            )
            if not opts.no_peer:
                p = run(kind, scale, opts.days, False)
                print(
                    f"    peer (aggregate reports only): total {p['total']:.0f} s "
                    f"(ingest {p['ingest']:.0f}, cycle {p['cycle']:.0f}); line lists cost "
                    f"x{r['total'] / p['total']:.1f}",  # type: ignore[operator]
                    flush=True,
                )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        days = int(sys.argv[3]) or None
        child(float(sys.argv[2]), days, bool(int(sys.argv[4])))
    else:
        main()
        finish()
