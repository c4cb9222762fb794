"""Several processes issue the last units of an item at once: stock never goes negative.

Each child process opens its own connection to the test database (PostgreSQL: a real
race, settled by the ledger's row lock and the conditional UPDATE; SQLite: a file database
of the test's own, one writer at a time) and tries to issue 3 units of a stock of 10.
Exactly three succeed, the rest are refused, and the books balance.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHILD = r"""
import json, os, sys, time
from pathlib import Path
import django
django.setup()
from warroom.core.context import SYSTEM
from warroom.supplies.models import Item, Place
from warroom.supplies.services import do_issue
from warroom.supplies.ledger import InsufficientStock
gate = Path(sys.argv[1])
place = Place.objects.get(code="WH-990101")
item = Item.objects.get(code="ecmo")
(gate / f"ready-{os.getpid()}").touch()
while not (gate / "go").exists():  # all six start together
    time.sleep(0.005)
try:
    do_issue(place, item, 3, actor=SYSTEM, reference="race")
    print(json.dumps("issued"))
except InsufficientStock:
    print(json.dumps("refused"))
"""


@pytest.mark.django_db(transaction=True)
def test_six_processes_issuing_the_last_units_never_drive_stock_negative(tmp_path):
    from django.db import connection

    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env |= {
        "WARROOM_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "warroom.settings",
        "PYTHONPATH": str(ROOT),
    }
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    # Seeded by a child too: the children and the check share one data directory, so one
    # audit key seals and verifies the ledger's chain (SQLite: one file database too).
    setup = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0, interactive=False)\n"
        "from tests.supplies.test_supplies_concurrent_issues import _seed; _seed()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", setup], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    gate = tmp_path / "gate"
    gate.mkdir()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(gate)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    while len(list(gate.glob("ready-*"))) < len(children):
        if any(c.poll() is not None for c in children):
            break  # a child died before the race: its error is reported below
        time.sleep(0.01)  # polling for the children, not timing the test
    (gate / "go").touch()
    outcomes = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        outcomes.append(json.loads(out.strip().splitlines()[-1]))
    assert sorted(outcomes) == ["issued"] * 3 + ["refused"] * 3
    check = (
        "import django, json; django.setup()\n"
        "from warroom.supplies import ledger, selectors\n"
        "from warroom.supplies.models import Balance, Item, Place\n"
        "i = Item.objects.get(code='ecmo'); p = Place.objects.get(code='WH-990101')\n"
        "print(json.dumps([selectors.balance(i.pk, p.pk),"
        " min(Balance.objects.filter(external=False).values_list('quantity', flat=True)),"
        " ledger.verify().ok]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [1, 1, True]


def _seed() -> None:
    from tests.conftest import SMALL_CITY_CSV
    from warroom.core.context import SYSTEM
    from warroom.geo.services import do_import_areas
    from warroom.supplies.catalogue import ensure_catalogue, items_by_code
    from warroom.supplies.services import do_receive, ensure_district_warehouses
    from warroom.tables import read_table

    do_import_areas(read_table(SMALL_CITY_CSV.encode(), filename="city.csv"), actor=SYSTEM)
    ensure_catalogue()
    wh = {p.code: p for p in ensure_district_warehouses(actor=SYSTEM)}["WH-990101"]
    do_receive(wh, items_by_code()["ecmo"], 10, source="national", actor=SYSTEM)
