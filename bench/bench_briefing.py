"""The daily briefing of the city on a W1 peak day, exported to PDF and to Word.

Target: <= 10 s each. Medians of 5 (after one warm-up: fonts and matplotlib load once
per process). The database is filled by the twin's outbreak (bench/_room_db.py).

    python bench/bench_briefing.py            # SQLite (the export does not touch the DB)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import finish, median_ms, run_child, setup_django, target
from _room_db import fill


def child(kind: str) -> None:
    setup_django()
    from warroom.geo.models import Area
    from warroom.situation.models import Briefing
    from warroom.situation.services import export_briefing

    day, _hq = fill(kind)
    briefing = Briefing.objects.get(area=Area.objects.get(depth=0), day=day)
    for fmt in ("pdf", "docx"):
        size = len(export_briefing(briefing, fmt))
        ms = median_ms(lambda fmt=fmt: export_briefing(briefing, fmt), repeat=5, warmup=1)
        print(
            f"[{kind}] briefing {day} to {fmt}: {ms / 1000:.2f} s median of 5, "
            f"{size / 1024:.0f} KiB {target(f'[{kind}] briefing to {fmt}', ms / 1000, 10, 's')}"
        )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    for kind in sys.argv[1:] or ["sqlite"]:
        run_child(__file__, kind)


if __name__ == "__main__":
    main()
    finish()
