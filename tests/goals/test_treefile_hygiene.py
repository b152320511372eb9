"""Hostile and broken tree files: refused with a message that names the node and key, never a server error."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from goals import hooks, treefile
from goals.models import Tree
from goals.treefile import TreeFileError, export_tree, import_tree, loads, read_tree_file
from metrics.models import EntryChange
from tests.goals.helpers import login

pytestmark = pytest.mark.usefixtures("english")


def _file(**node):
    return {
        "code": "fy2027-x",
        "name": "FY2027",
        "period": {"start": "2027-04-01", "end": "2028-03-31"},
        "nodes": [{"code": "revenue", "name": "売上", "parent": None, **node}],
    }


def _problems(data):
    with pytest.raises(TreeFileError) as caught:
        read_tree_file(data)
    return {(error.node, error.field): error.message for error in caught.value.errors}, caught.value


def _refusal(text):
    with pytest.raises(TreeFileError) as caught:
        loads(text)
    (error,) = caught.value.errors
    return error


# Before json.loads: size and nesting


def test_deeply_nested_brackets_are_refused_before_decoding():
    error = _refusal(b"[" * 100_000)
    assert (error.node, error.field) == (None, "file")
    assert "nested more than 20 levels deep" in error.message
    assert "nested" in _refusal(b'{"a": ' * 50_000).message


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps({"code": "x", "name": "[[[[" * 1000 + '\\"{{{{' * 1000, "nodes": [[[[[]]]]]})
    assert loads(text.encode())["nodes"] == [[[[[]]]]]


def test_nesting_depth_counts_structure_only():
    assert treefile.decoding.nesting_depth('{"a": [1, {"b": "]]]]"}], "c": "[[[["}') == 3
    assert treefile.decoding.nesting_depth('"\\"[["') == 0
    assert treefile.decoding.nesting_depth("12") == 0


def test_a_file_larger_than_the_limit_is_refused_before_decoding():
    error = _refusal(b" " * (treefile.MAX_FILE_BYTES + 1))
    assert "larger than 2 MB" in error.message


def test_an_object_with_too_many_keys_is_refused():
    text = "{" + ",".join(f'"k{i}": 0' for i in range(101)) + "}"
    assert "has 101 keys" in _refusal(text.encode()).message


def test_numbers_beyond_what_a_decimal_holds_are_refused():
    assert "is not a number" in _refusal(b'{"target": 1e99999999999999999999}').message
    data = loads(json.dumps(_file()).replace('"parent": null', '"parent": null, "target": 1e999999').encode())
    found, _error = _problems(data)
    assert found[("revenue", "target")].startswith("“1E+999999” has more than 15 digits")


# Control characters


def test_control_characters_are_refused_with_the_node_and_key():
    data = _file(name="売上\u0000", unit="円\u0007", department="\u001b[31m営業")
    data["name"] = "FY\u00852027"
    found, _error = _problems(data)
    assert found[("revenue", "name")] == (
        "It holds U+0000 at position 3, which is not a printable character. Remove it: this key is one line of text."
    )
    assert "U+0007 at position 2" in found[("revenue", "unit")]
    assert "U+001B at position 1" in found[("revenue", "department")]
    assert "U+0085 at position 3" in found[(None, "name")]


def test_definitions_and_formulas_may_hold_tabs_and_line_breaks_but_nothing_else():
    data = _file(formula="deals\n\t* 2", definition="受注金額\r\n\t（税抜）")
    data["nodes"].append({"code": "deals", "name": "受注", "parent": "revenue"})
    spec = read_tree_file(data)
    assert spec.nodes[0].definition == "受注金額\r\n\t（税抜）" and spec.nodes[0].formula == "deals\n\t* 2"
    data["nodes"][0]["definition"] = "受注\u0000金額"
    data["nodes"][0]["formula"] = "deals\u000c* 2"
    found, _error = _problems(data)
    assert "U+0000 at position 3" in found[("revenue", "definition")]
    assert "only tabs and line breaks" in found[("revenue", "definition")]
    assert "U+000C at position 6" in found[("revenue", "formula")]


def test_lone_surrogates_are_refused_and_never_shown():
    data = loads(json.dumps(_file(unit="\ud800")).encode())
    data["nodes"][0]["parent"] = "x\udfff"
    data["nodes"][0]["k\u0000"] = 1
    found, error = _problems(data)
    assert "U+D800 at position 1" in found[("revenue", "unit")]
    assert found[("revenue", "k[U+0000]")].startswith("“k[U+0000]” is not a key of a node")
    assert "“x[U+DFFF]” is not the code of any node" in found[("revenue", "parent")]
    assert not any(0xD800 <= ord(char) <= 0xDFFF or char == "\u0000" for char in str(error))


def test_long_values_are_shortened_in_messages():
    found, _error = _problems(_file(direction="x" * 5000))
    assert len(found[("revenue", "direction")]) < 200


def test_messages_are_in_japanese_too():
    with translation.override("ja"):
        found, _error = _problems(_file(name="売上\u0000"))
        assert (
            found[("revenue", "name")]
            == "3文字目に表示できない文字（U+0000）があります。削除してください。この項目は1行のテキストです。"
        )
        assert "20" in _refusal(b"[" * 100).message and "階層" in _refusal(b"[" * 100).message


# Many problems


def test_a_file_with_very_many_problems_lists_the_first_and_counts_them_all():
    data = _file()
    data["nodes"] += [{"code": f"n{i}", "parent": "revenue"} for i in range(600)]  # no names
    _found, error = _problems(data)
    assert error.count == 600 and len(error.errors) == 500
    assert "it has 600 problems" in error.summary
    assert error.unlisted == "…and 100 more problems, not listed."
    assert error.report().endswith("…and 100 more problems, not listed.")


# The upload page and the command


def _upload(content):
    return SimpleUploadedFile("tree.json", content, content_type="application/json")


@pytest.mark.parametrize(
    "content, words",
    [
        (b"[" * 100_000, "nested more than 20 levels deep"),
        (b'{"a": 1e99999999999999999999}', "is not a number"),
        (json.dumps(_file(name="売上\u0000")).encode(), "Node revenue, name: It holds U+0000 at position 3"),
        (json.dumps(_file(unit="\ud800"), ensure_ascii=True).encode(), "Node revenue, unit: It holds U+D800"),
    ],
)
def test_the_upload_page_refuses_hostile_files_with_400(client, owner, marketing, content, words):
    response = login(client, owner).post(
        reverse("goals:tree-import-save"), {"file": _upload(content), "department": marketing.pk}
    )
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Tree.objects.exists()


def test_the_upload_page_lists_how_many_problems_are_not_shown(client, owner, marketing):
    data = _file()
    data["nodes"] += [{"code": f"n{i}", "parent": "revenue"} for i in range(501)]
    response = login(client, owner).post(
        reverse("goals:tree-import-save"), {"file": _upload(json.dumps(data).encode()), "department": marketing.pk}
    )
    assert response.status_code == 400
    assert "…and 1 more problem, not listed." in response.content.decode()


def test_the_command_refuses_hostile_files_and_changes_nothing(db, tmp_path):
    nested = tmp_path / "nested.json"
    nested.write_bytes(b"[" * 100_000)
    with pytest.raises(CommandError, match="nested more than 20 levels deep"):
        call_command("import_tree", str(nested))
    large = tmp_path / "large.json"
    large.write_bytes(b" " * (3 * 1024 * 1024))
    with pytest.raises(CommandError, match="larger than 2 MB"):
        call_command("import_tree", str(large))
    control = tmp_path / "control.json"
    control.write_text(json.dumps(_file(definition="a\u0000b")), encoding="utf-8")
    with pytest.raises(CommandError, match="Node revenue, definition: It holds U\\+0000 at position 2"):
        call_command("import_tree", str(control), stdout=StringIO())
    assert not Tree.objects.exists()


# Entries are kept through a hook that metrics registers


def test_metrics_answers_which_nodes_hold_entries(tree):
    deals = tree.nodes.get(code="deals")
    EntryChange.objects.create(node=deals, week=date(2026, 4, 6), new_value=Decimal(1), source="grid")
    assert hooks.held_node_ids(tree.nodes.values_list("pk", flat=True)) == {deals.pk}


def test_a_node_with_only_entry_history_is_archived_not_deleted(tree):
    leads = tree.nodes.get(code="leads")
    EntryChange.objects.create(node=leads, week=date(2026, 4, 6), old_value=Decimal(3), source="grid")
    data = export_tree(tree)
    data["nodes"] = [node for node in data["nodes"] if node["code"] != "leads"]
    again = import_tree(data)
    leads.refresh_from_db()
    assert leads.archived_at is not None and leads.entry_changes.count() == 1
    assert again.import_summary.nodes_archived == 1


def test_a_removed_parent_with_a_removed_child_that_holds_entries_is_archived_with_it(tree):
    """deals and leads both leave; only leads has history: both are archived, leads keeps its parent."""
    leads = tree.nodes.get(code="leads")
    EntryChange.objects.create(node=leads, week=date(2026, 4, 6), old_value=Decimal(3), source="grid")
    data = export_tree(tree)
    nodes = {node["code"]: node for node in data["nodes"]}
    nodes["revenue"]["formula"] = "avg_deal_size * 2"
    data["nodes"] = [nodes["revenue"], nodes["avg_deal_size"]]
    again = import_tree(data)
    assert again.import_summary.nodes_archived == 2 and again.import_summary.nodes_deleted == 0
    leads.refresh_from_db()
    assert leads.archived_at is not None and leads.parent.code == "deals" and leads.parent.archived_at is not None
