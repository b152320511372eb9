"""Hostile tree files and entries files, through the upload pages and the commands: refused with every problem
listed, never a server error or a traceback, and nothing saved in part."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from tests.hostile.conftest import LONG, UNPRINTABLE, counts

pytestmark = pytest.mark.django_db


def _tree(**changes):
    data = {
        "code": "fy2027-hostile",
        "name": "FY2027",
        "period": {"start": "2027-04-01", "end": "2028-03-31"},
        "nodes": [
            {"code": "revenue", "name": "売上", "parent": None, "formula": "deals * 2", "target": "100"},
            {"code": "deals", "name": "受注件数", "parent": "revenue", "target": "50", "definition": "SFA"},
        ],
    }
    data.update(changes)
    return json.dumps(data, ensure_ascii=False).encode()


def _node(**changes):
    node = {"code": "deals", "name": "受注件数", "parent": "revenue", "target": "50"}
    node.update(changes)
    return _tree(nodes=[{"code": "revenue", "name": "売上", "parent": None}, node])


TREE_FILES = {
    "100,000 [": b"[" * 100_000,
    "nested within the size": b'{"code": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "a key twice": b'{"code": "a", "code": "b", "name": "x", "period": {"start": "2027-04-01", "end": "2028-03-31"}}',
    "a node key twice": _tree().replace(b'"target": "50"', b'"target": "50", "target": "5000"'),
    "a list": b"[1, 2, 3]",
    "true": b"true",
    "empty": b"",
    "a BOM alone": "\ufeff".encode(),
    "UTF-16": _tree().decode().encode("utf-16"),
    "not UTF-8": b"\xff\xfe\xfa" + _tree(),
    "a NUL byte": _tree(name="FY\x002027"),
    "NaN": _tree().replace(b'"target": "50"', b'"target": NaN'),
    "Infinity": _tree().replace(b'"target": "50"', b'"target": -Infinity'),
    "an exponent beyond Decimal": _tree().replace(b'"target": "50"', b'"target": 1e99999999999999999999'),
    "16 digits": _node(target="1234567890123456"),
    "a JSON number of 16 digits": _tree().replace(b'"target": "50"', b'"target": 9999999999999999'),
    "7 decimal places": _node(target="0.0000001"),
    "full-width digits": _node(target="１２３"),
    "a list as target": _node(target=[1]),
    "an object as weights": _node(weights={"a": 1}),
    "weights as text": _node(weights="1,1,1"),
    "huge weights": _node(weights=["1e30"] * 53),
    "nodes as an object": _tree(nodes={"revenue": {}}),
    "nodes of numbers": _tree(nodes=[1, 2]),
    "a period as text": _tree(period="2027"),
    "a period of numbers": _tree(period={"start": 20270401, "end": None}),
    "a code as a number": _node(code=5),
    "a parent as a list": _node(parent=["revenue"]),
    "a name of null": _node(name=None),
    "a name of 10,000 characters": _node(name=LONG),
    "a definition of 10,000 characters": _node(definition=LONG),
    "a formula of 10,000 characters": _tree(nodes=[{"code": "revenue", "name": "x", "parent": None, "formula": LONG}]),
    "1,001 nodes": _tree(
        nodes=[{"code": "n0", "name": "n", "parent": None}]
        + [{"code": f"n{i}", "name": "n", "parent": "n0"} for i in range(1, 1001)]
    ),
    **{f"{value!r} in a name": _node(name=f"受注{value}件数") for value in UNPRINTABLE if value != "tab\there"},
    "U+202E in a code": _node(code="deals\u202e"),
    "a NUL in a department": _node(department="営業\x00部"),
    "a NUL in a key": _node(**{"tar\x00get": "1"}),
}


@pytest.mark.parametrize("content", TREE_FILES.values(), ids=TREE_FILES.keys())
def test_a_hostile_tree_file_is_refused_on_the_page_and_by_the_command(client, owner, marketing, tmp_path, content):
    client.force_login(owner)
    before = counts()
    upload = io.BytesIO(content)
    upload.name = "tree.json"
    response = client.post(reverse("goals:tree-import-save"), {"file": upload, "department": marketing.pk})
    assert response.status_code == 400
    path = tmp_path / "tree.json"
    path.write_bytes(content)
    with pytest.raises(CommandError):
        call_command("import_tree", str(path))
    assert counts() == before


def test_a_key_given_twice_is_named(client, owner, marketing):
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    upload = io.BytesIO(TREE_FILES["a node key twice"])
    upload.name = "tree.json"
    response = client.post(reverse("goals:tree-import-save"), {"file": upload, "department": marketing.pk})
    assert "“target” is given twice in one object." in response.content.decode()


def test_a_bidirectional_control_in_a_tree_file_is_named(tmp_path):
    path = tmp_path / "tree.json"
    path.write_bytes(_node(name="受注\u202e件数"))
    with pytest.raises(CommandError) as refused, translation.override("en"):
        call_command("import_tree", str(path))
    assert "It holds U+202E at position 3" in str(refused.value)


# --- entries files ------------------------------------------------------------------------------------------


def _csv(*rows, header="tree,node,week,value,note"):
    return ("\n".join([header, *rows]) + "\n").encode()


ENTRIES_FILES = {
    **{
        f"{value!r} in a note": _csv(f"fy2026-test,leads,2026-04-13,50,メモ{value}です")
        for value in UNPRINTABLE
        if value != "tab\there"  # a note may hold tabs and line breaks
    },
    "a NUL in a tree code": _csv("fy2026\x00test,leads,2026-04-13,50,"),
    "a NUL in a node code": _csv("fy2026-test,lea\x00ds,2026-04-13,50,"),
    "U+202E in a week": _csv("fy2026-test,leads,\u202e2026-04-13,50,"),
    "a note of 10,000 characters": _csv(f"fy2026-test,leads,2026-04-13,50,{LONG}"),
    "a tree code of 10,000 characters": _csv(f"{'x' * 10_000},leads,2026-04-13,50,"),
    "16 digits": _csv("fy2026-test,leads,2026-04-13,1234567890123456,"),
    "an exponent": _csv("fy2026-test,leads,2026-04-13,1e3,"),
    "NaN": _csv("fy2026-test,leads,2026-04-13,NaN,"),
    "Infinity": _csv("fy2026-test,leads,2026-04-13,Infinity,"),
    "7 decimal places": _csv("fy2026-test,leads,2026-04-13,0.0000001,"),
    "far weeks": _csv("fy2026-test,leads,0001-01-01,1,", "fy2026-test,leads,9999-12-31,1,"),
    "a good row and a bad one": _csv("fy2026-test,leads,2026-04-13,50,", "fy2026-test,leads,2026-04-20,x,"),
    "the same week twice": _csv("fy2026-test,leads,2026-04-13,50,", "fy2026-test,leads,2026-04-13,51,"),
    "a formula node": _csv("fy2026-test,revenue,2026-04-13,50,"),
    "too few cells": _csv("fy2026-test,leads"),
    "a header alone": _csv(),
    "no header": b"fy2026-test,leads,2026-04-13,50\n",
    "UTF-16": _csv("fy2026-test,leads,2026-04-13,50,").decode().encode("utf-16"),
    "UTF-16 without a BOM": _csv("fy2026-test,leads,2026-04-13,50,").decode().encode("utf-16-le"),
    "NUL bytes": b"\x00" * 1000,
    "a field larger than csv allows": _csv("fy2026-test,leads,2026-04-13,50," + '"' + "x" * 200_000 + '"'),
    "an unclosed quote": _csv('fy2026-test,leads,2026-04-13,"50,'),
}


@pytest.mark.parametrize("content", ENTRIES_FILES.values(), ids=ENTRIES_FILES.keys())
def test_a_hostile_entries_file_is_refused_on_the_page_and_by_the_command(client, member, tree, tmp_path, content):
    client.force_login(member)
    before = counts()
    upload = io.BytesIO(content)
    upload.name = "entries.csv"
    response = client.post(reverse("metrics:import-entries", args=[tree.pk]), {"file": upload})
    assert response.status_code in (200, 400)
    assert 'name="plan"' not in response.content.decode()  # nothing to confirm
    path = tmp_path / "entries.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError):
        call_command("import_entries", str(path))
    assert counts() == before


def test_a_control_character_in_a_note_is_named_with_its_line_and_column(tmp_path):
    path = tmp_path / "entries.csv"
    path.write_bytes(_csv("fy2026-test,leads,2026-04-13,50,ok", "fy2026-test,leads,2026-04-20,50,メモ\x1bです"))
    with pytest.raises(CommandError) as refused, translation.override("en"):
        call_command("import_entries", str(path))
    assert "Line 3: the note column: It holds U+001B at position 3" in str(refused.value)


def test_a_note_may_hold_line_breaks_and_tabs(tree, tmp_path):
    path = tmp_path / "entries.csv"
    path.write_bytes(_csv('fy2026-test,leads,2026-04-13,50,"展示会\n\t来場者"'))
    call_command("import_entries", str(path), stdout=io.StringIO())
    assert tree.nodes.get(code="leads").entries.get().note == "展示会\n\t来場者"


@pytest.mark.parametrize("value", ["\x00", "fy2026\x00test", "\u202e", LONG])
def test_commands_answer_hostile_codes_and_names_with_an_error(tree, tmp_path, value):
    path = tmp_path / "entries.csv"
    path.write_bytes(_csv("fy2026-test,leads,2026-04-13,50,"))
    tree_file = tmp_path / "tree.json"
    tree_file.write_bytes(_tree())
    before = counts()
    for command, args in [
        ("import_entries", [str(path), "--tree", value]),
        ("import_entries", [str(path), "--user", value]),
        ("import_tree", [str(tree_file), "--user", value]),
        ("import_tree", [str(tree_file), "--department", value]),
        ("export_progress", ["--tree", value]),
        ("export_tree", [value]),
        ("export_entries", ["--tree", value]),
    ]:
        with pytest.raises(CommandError):
            call_command(command, *args, stdout=io.StringIO())
    assert counts() == before
