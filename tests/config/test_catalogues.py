"""Both catalogues are complete and compiled (make messages rebuilds them from locale/fragments)."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"


def _entries(po_text):
    """(msgid, [msgstr...]) for every entry but the header."""
    for block in po_text.split("\n\n"):
        if "msgid" not in block or block.lstrip().startswith('msgid ""\nmsgstr ""\n"Project'):
            continue
        msgid = "".join(re.findall(r'^(?:msgid|msgctxt) "(.*)"$', block, re.M))
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M)
        if msgid:
            yield msgid, ["".join([first, *re.findall(r'"(.*)"', rest)]) for first, rest in msgstrs]


def test_every_japanese_string_is_translated():
    po = (LOCALE / "ja" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    missing = [msgid for msgid, msgstrs in _entries(po) if not all(msgstrs)]
    assert missing == []
    assert len(list(_entries(po))) > 500


def test_japanese_has_one_plural_form():
    po = (LOCALE / "ja" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert "nplurals=1; plural=0;" in po
    assert "msgstr[1]" not in po


def test_the_compiled_catalogues_are_there_and_used():
    for language in ("ja", "en"):
        assert (LOCALE / language / "LC_MESSAGES" / "django.mo").exists()
    with translation.override("ja"):
        assert translation.gettext("Dashboard") == "ダッシュボード"
        assert translation.ngettext("%(counter)s KPI", "%(counter)s KPIs", 3) % {"counter": 3} == "KPI 3件"
    with translation.override("en"):
        assert translation.gettext("Dashboard") == "Dashboard"


def test_no_japanese_string_is_fuzzy():
    """A fuzzy entry is not compiled, so the page shows English (e.g. a python-format flag that the fragment lacks)."""
    po = (LOCALE / "ja" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    fuzzy = [block.splitlines()[-2:] for block in po.split("\n\n") if re.search(r"^#,.*\bfuzzy\b", block, re.M)]
    assert fuzzy == []
