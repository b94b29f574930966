"""The Chinese translation is complete and its compiled .mo matches the .po.

The .mo is committed so that a machine without GNU gettext shows Chinese.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PO = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_every_string_has_a_chinese_translation():
    po = polib.pofile(str(PO))

    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


def test_the_committed_mo_file_is_compiled_from_the_po_file():
    # Keyed by context too: "title" is 标题, and 职务 in the context of a staff member's job.
    po = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(PO)) if not e.obsolete}
    mo = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(MO))}

    assert mo == po, "run `make messages` and commit locale/"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="makemessages needs GNU gettext")
def test_every_marked_string_in_the_code_is_in_the_po_file(tmp_path):
    """Run makemessages on a copy of the project: a string marked but not in the .po fails."""
    copy = tmp_path / "project"
    shutil.copytree(
        BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(".venv", "var", ".git", "__pycache__", "node_modules"),
    )

    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "zh_Hans",
            "--no-location",
            "--ignore",
            "tests",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hangzhou_cfc.settings.test"},
    )

    committed = {e.msgid for e in polib.pofile(str(PO))}
    extracted = {e.msgid for e in polib.pofile(str(copy / PO.relative_to(BASE_DIR)))}
    assert extracted - committed == set(), "marked strings missing: run `make messages`"


def test_no_module_renames_a_translation_function():
    """makemessages (xgettext) knows the functions by name: `gettext_lazy as _lazy` hides
    every string marked with `_lazy(...)` from it, and they stay untranslated."""
    renamed = re.compile(r"from django\.utils\.translation import .*\b(\w*gettext\w*) as (?!_\b)")
    offenders = [
        f"{path.relative_to(BASE_DIR)}: {line.strip()}"
        for path in BASE_DIR.glob("*/**/*.py")
        if ".venv" not in path.parts and "tests" not in path.parts
        for line in path.read_text(encoding="utf-8").splitlines()
        if renamed.search(line)
    ]
    assert offenders == []
