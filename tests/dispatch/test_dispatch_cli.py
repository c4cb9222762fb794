"""`warroom dispatch waiting|propose|confirm` from a terminal."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from warroom.cli import app

pytestmark = pytest.mark.django_db


def test_waiting_propose_confirm(facilities, make_person):
    for _ in range(2):
        make_person("confirmed", severity="mild")
    make_person("contact")
    waiting = CliRunner().invoke(app, ["dispatch", "waiting"], env={"COLUMNS": "200"})
    assert waiting.exit_code == 0, waiting.output
    assert "3 waiting: confirmed 2, contact 1" in waiting.output
    proposed = CliRunner().invoke(app, ["dispatch", "propose"])
    assert proposed.exit_code == 0, proposed.output
    number = re.search(r"proposal #(\d+)", proposed.output).group(1)
    assert "3 placed" in proposed.output
    done = CliRunner().invoke(app, ["dispatch", "confirm", number, "--all"])
    assert done.exit_code == 0 and "confirmed 3 placements" in done.output
    again = CliRunner().invoke(app, ["dispatch", "confirm", number, "--all"])
    assert "confirmed 0 placements" in again.output
    missing = CliRunner().invoke(app, ["dispatch", "confirm", "999999", "--all"])
    assert missing.exit_code == 2 and "no proposal #999999" in missing.output


def test_help_is_chinese_first():
    result = CliRunner().invoke(app, ["dispatch", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "等床名单" in result.output and "确认调度方案" in result.output
