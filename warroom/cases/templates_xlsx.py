"""An import's Excel template as bytes, for download (``write_template`` writes a path)."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from warroom.tables import Column, write_template


def template_bytes(columns: Sequence[Column], *, sheet: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "template.xlsx"
        write_template(path, columns, sheet=sheet)
        return path.read_bytes()
