import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from goals.models import Tree
from goals.treefile import export_tree
from metrics.models import Entry
from tests.goals.helpers import recorded

pytestmark = pytest.mark.usefixtures("english")


def _write(tmp_path, data, name="tree.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_export_tree_prints_the_tree_file(tree):
    out = StringIO()
    call_command("export_tree", tree.code, stdout=out)
    data = json.loads(out.getvalue())
    assert data == export_tree(tree)
    assert "売上" in out.getvalue()  # Japanese as is, not \u escapes


def test_export_tree_writes_a_file(tree, tmp_path):
    path = tmp_path / "out.json"
    call_command("export_tree", tree.code, "--output", str(path), stdout=StringIO())
    assert json.loads(path.read_text(encoding="utf-8"))["code"] == tree.code


def test_export_tree_refuses_an_unknown_code(db):
    with pytest.raises(CommandError, match="no tree with the code nope"):
        call_command("export_tree", "nope")


def test_import_tree_creates_a_tree(db, tmp_path, marketing):
    data = {
        "code": "fy2027-test",
        "name": "FY2027",
        "period": {"start": "2027-04-01", "end": "2028-03-31"},
        "nodes": [{"code": "revenue", "name": "売上", "parent": None, "target": "100"}],
    }
    out = StringIO()
    call_command("import_tree", _write(tmp_path, data), "--department", marketing.name, stdout=out)
    tree = Tree.objects.get(code="fy2027-test")
    assert tree.department == marketing and tree.nodes.get().target == Decimal(100)
    assert "Created the tree fy2027-test with 1 node." in out.getvalue()


def test_import_tree_replaces_and_keeps_entries(tree, tmp_path):
    deals = tree.nodes.get(code="deals")
    Entry.objects.create(node=deals, week=date(2026, 4, 6), value=Decimal(3))
    data = export_tree(tree)
    data["nodes"][1]["target"] = "250"
    out = StringIO()
    call_command("import_tree", _write(tmp_path, data), stdout=out)
    deals.refresh_from_db()
    assert deals.target == Decimal(250) and deals.entries.count() == 1
    assert "1 changed" in out.getvalue()
    assert recorded(node=deals, action="import", user=None)


def test_a_refused_file_exits_non_zero_prints_every_error_and_changes_nothing(tree, tmp_path):
    before = export_tree(tree)
    data = export_tree(tree)
    data["nodes"][1]["target"] = "many"
    data["nodes"][2]["parent"] = "nowhere"
    data["nodes"].append({"code": "deals", "name": "dup", "parent": "revenue"})
    path = _write(tmp_path, data)
    with pytest.raises(CommandError) as caught:
        call_command("import_tree", path)
    message = str(caught.value)
    assert "3 problems" in message and "nothing was saved" in message
    assert "Node deals, target:" in message
    assert "Node leads, parent:" in message
    assert "Node deals, code:" in message
    assert export_tree(Tree.objects.get(pk=tree.pk)) == before
    # From the command line: a non-zero exit status.
    with pytest.raises(SystemExit) as exited:
        from django.core.management import ManagementUtility

        ManagementUtility(["manage.py", "import_tree", path]).execute()
    assert exited.value.code != 0


def test_import_tree_refuses_a_file_that_is_not_json(db, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not JSON"):
        call_command("import_tree", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_tree", str(tmp_path / "missing.json"))
