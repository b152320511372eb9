from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from goals.models import Node
from metrics.entries import set_entry
from metrics.models import Entry, EntryChange

pytestmark = pytest.mark.usefixtures("english")

W1 = date(2026, 3, 30)


def write(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "numbers.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_import_saves_and_prints_the_counts(tree, tmp_path):
    leads = Node.objects.get(code="leads")
    set_entry(leads, W1, Decimal("1"), user=None, source="admin")
    path = write(
        tmp_path,
        "tree,node,week,value\n"
        "fy2026-test,leads,2026-03-30,2\n"
        'fy2026-test,deals,2026-03-30,"1,234"\n'
        "fy2026-test,deals,2026-04-06,\n",
    )

    output = run("import_entries", path)

    assert output == "Imported: 1 added, 1 changed, 0 deleted, 1 unchanged.\n"
    assert Entry.objects.get(node=leads).value == Decimal("2")
    changes = EntryChange.objects.filter(source="import")
    assert changes.count() == 2
    assert {change.user for change in changes} == {None}  # an admin operation, no person


def test_a_refused_file_exits_non_zero_with_every_error_and_saves_nothing(tree, tmp_path):
    path = write(
        tmp_path,
        "tree,node,week,value\n"
        "fy2026-test,leads,2026-03-30,2\n"
        "fy2026-test,leads,2026-03-31,2\n"
        "fy2026-test,revenue,2026-03-30,2\n"
        "fy2026-test,deals,2026-03-30,NaN\n",
    )

    with pytest.raises(CommandError) as caught:
        run("import_entries", path)

    assert str(caught.value).splitlines() == [
        "Not imported: 3 rows have problems; nothing saved.",
        "Line 3: 2026-03-31 does not start a week; use its Monday (2026-03-30).",
        "Line 4: revenue is calculated; delete the row.",
        'Line 5: "NaN" is not a number. Enter one number, such as 120.',
        "Fix them and import again.",
    ]
    assert not Entry.objects.exists()


def test_the_exit_status_is_non_zero(tmp_path):
    """Through the real command line, as a script would run it (a missing file: no database needed)."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "import_entries", str(tmp_path / "missing.csv")],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={"DJANGO_SETTINGS_MODULE": "config.settings_test", "LANGUAGE_CODE": "en", "PATH": ""},
        check=False,
    )
    assert result.returncode == 1
    assert "Cannot read" in result.stderr


def test_with_user_rows_of_other_departments_are_errors(tree, tmp_path, sales_member):
    path = write(tmp_path, "tree,node,week,value\nfy2026-test,deals,2026-03-30,1\nfy2026-test,leads,2026-03-30,1\n")

    with pytest.raises(CommandError) as caught:
        run("import_entries", path, "--user", "sato")
    assert "Line 3: you cannot enter leads: members of マーケティング部 enter it." in str(caught.value)
    assert not Entry.objects.exists()

    path = write(tmp_path, "tree,node,week,value\nfy2026-test,deals,2026-03-30,1\n")
    run("import_entries", path, "--user", "sato")
    assert EntryChange.objects.get().user == sales_member


def test_unknown_user_or_tree_or_file(tree, tmp_path):
    path = write(tmp_path, "tree,node,week,value\n")
    with pytest.raises(CommandError, match='There is no active person with the user name "nobody"'):
        run("import_entries", path, "--user", "nobody")
    with pytest.raises(CommandError, match='There is no tree with the code "nope"'):
        run("import_entries", path, "--tree", "nope")
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_entries", str(tmp_path / "missing.csv"))


def test_tree_option_limits_the_rows(tree, tmp_path):
    path = write(tmp_path, "tree,node,week,value\nfy2099,leads,2026-03-30,1\n")
    with pytest.raises(CommandError, match="this row is for the tree"):
        run("import_entries", path, "--tree", "fy2026-test")


def test_dry_run_saves_nothing(tree, tmp_path):
    path = write(tmp_path, "tree,node,week,value\nfy2026-test,leads,2026-03-30,1\n")
    assert run("import_entries", path, "--dry-run") == (
        "Checked, nothing saved: 1 to add, 0 to change, 0 to delete, 0 unchanged.\n"
    )
    assert not Entry.objects.exists()


def test_cp932_file(tree, tmp_path):
    path = write(tmp_path, "tree,node,week,value,note\nfy2026-test,leads,2026-03-30,１２０,展示会\n", "cp932")
    run("import_entries", path)
    assert Entry.objects.get().note == "展示会"


def test_a_concurrent_save_makes_the_command_plan_again(tree, tmp_path, monkeypatch):
    """When someone saves between the check and the write, the command re-checks instead of failing."""
    from metrics import csvfiles

    leads = Node.objects.get(code="leads")
    path = write(tmp_path, "tree,node,week,value\nfy2026-test,leads,2026-03-30,5\n")
    real_build = csvfiles.build_plan
    calls = []

    def build_then_someone_saves(*args, **kwargs):
        plan = real_build(*args, **kwargs)
        calls.append(plan)
        if len(calls) == 1:
            set_entry(leads, W1, Decimal("3"), user=None, source="grid")
        return plan

    monkeypatch.setattr(csvfiles, "build_plan", build_then_someone_saves)
    assert run("import_entries", path) == "Imported: 0 added, 1 changed, 0 deleted, 0 unchanged.\n"
    assert len(calls) == 2
    assert Entry.objects.get().value == Decimal("5")


def test_export_to_a_file_has_a_bom_and_stdout_has_none(tree, tmp_path):
    set_entry(Node.objects.get(code="leads"), W1, Decimal("12.500000"), user=None, source="admin")
    output = tmp_path / "out.csv"

    run("export_entries", "--tree", "fy2026-test", "--output", str(output))
    assert output.read_bytes() == b"\xef\xbb\xbftree,node,week,value\r\nfy2026-test,leads,2026-03-30,12.5\r\n"

    assert (
        run("export_entries", "--tree", "fy2026-test")
        == "tree,node,week,value\r\nfy2026-test,leads,2026-03-30,12.5\r\n"
    )


def test_export_template(tree):
    text = run("export_entries", "--tree", "fy2026-test", "--template")
    assert text.count("\r\n") == 1 + 3 * 52


def test_export_then_import_round_trips(tree, tmp_path):
    set_entry(Node.objects.get(code="deals"), W1, Decimal("-3.25"), user=None, source="admin")
    output = tmp_path / "out.csv"
    run("export_entries", "--tree", "fy2026-test", "--output", str(output))
    Entry.objects.all().delete()
    assert run("import_entries", str(output)) == "Imported: 1 added, 0 changed, 0 deleted, 0 unchanged.\n"
    assert Entry.objects.get().value == Decimal("-3.25")


def test_export_unknown_tree(db):
    with pytest.raises(CommandError, match='There is no tree with the code "nope"'):
        run("export_entries", "--tree", "nope")


def test_import_reads_standard_input(tree, monkeypatch):
    import io
    import sys

    data = b"tree,node,week,value\nfy2026-test,leads,2026-03-30,7\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert run("import_entries", "-") == "Imported: 1 added, 0 changed, 0 deleted, 0 unchanged.\n"
    assert Entry.objects.get().value == Decimal("7")
