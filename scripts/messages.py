"""Extract the translatable strings and compile the catalogues.

    python scripts/messages.py          # update warroom/locale/*/LC_MESSAGES/django.po, compile .mo
    python scripts/messages.py --check  # fail if a string is untranslated or a .mo is stale

Extraction uses Django's makemessages (GNU gettext's xgettext); compiling uses polib,
so that a .mo can be rebuilt and checked without msgfmt.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent / "warroom"
LANGS = ["zh_Hans"]


def extract(into: Path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "warroom.settings"}
    cmd = [sys.executable, "-m", "django", "makemessages", "--no-obsolete", "--no-location"]
    cmd += ["--ignore=migrations/*", "--ignore=static/*", *[f"-l{lang}" for lang in LANGS]]
    subprocess.run(cmd, cwd=into, env=env, check=True, capture_output=True)


def compile_all() -> None:
    for lang in LANGS:
        po = ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"
        polib.pofile(str(po)).save_as_mofile(str(po.with_suffix(".mo")))


def problems() -> list[str]:
    found: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "warroom"
        subprocess.run(["cp", "-r", str(ROOT), str(copy)], check=True)
        extract(copy)
        for lang in LANGS:
            fresh = polib.pofile(str(copy / "locale" / lang / "LC_MESSAGES" / "django.po"))
            committed = polib.pofile(str(ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"))
            done = {
                (e.msgctxt, e.msgid) for e in committed if e.translated() and "fuzzy" not in e.flags
            }
            for entry in fresh:
                if (entry.msgctxt, entry.msgid) not in done:
                    found.append(f"{lang}: untranslated {entry.msgid!r}")
            mo = ROOT / "locale" / lang / "LC_MESSAGES" / "django.mo"
            compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(mo))}
            for e in committed:
                if e.translated() and compiled.get((e.msgctxt, e.msgid)) != e.msgstr:
                    found.append(f"{lang}: django.mo is stale for {e.msgid!r} (run make messages)")
                    break
    return found


if __name__ == "__main__":
    if "--check" in sys.argv:
        issues = problems()
        print("\n".join(issues) or "every string is translated and compiled")
        sys.exit(1 if issues else 0)
    extract(ROOT)
    compile_all()
    print("catalogues updated")
