"""After merging branches: re-extract the catalogue and take each translation from any
of the given .po files (e.g. the versions on the merged branches).

    python scripts/merge_po.py OTHER.po [OTHER.po ...]
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "warroom/locale/zh_Hans/LC_MESSAGES/django.po"


def main(others: list[str]) -> int:
    known: dict[tuple[str | None, str], polib.POEntry] = {}
    for path in [*others, str(PO)]:
        for entry in polib.pofile(path):
            if entry.translated() and "fuzzy" not in entry.flags:
                known[(entry.msgctxt, entry.msgid)] = entry
    subprocess.run([sys.executable, str(Path(__file__).with_name("messages.py"))], check=True)
    po = polib.pofile(str(PO))
    missing = []
    for entry in po:
        key = (entry.msgctxt, entry.msgid)
        if key in known:
            entry.msgstr = known[key].msgstr
            entry.msgstr_plural = dict(known[key].msgstr_plural)
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif not entry.translated() or "fuzzy" in entry.flags:
            missing.append(entry.msgid)
    po.save()
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    print("untranslated:", missing or "none")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
