import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from goals.models import Node
from metrics import csvfiles
from metrics.entries import set_entry
from metrics.models import Entry, EntryChange

pytestmark = pytest.mark.usefixtures("english")

W1 = date(2026, 3, 30)  # the first week of the fixture tree's period (its Thursday is 2 April)
W2 = W1 + timedelta(days=7)
W3 = W1 + timedelta(days=14)


def csv_bytes(*lines, encoding="utf-8"):
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def nodes(tree):
    return {node.code: node for node in tree.nodes.all()}


def stored(tree):
    return {
        (entry.node.code, entry.week): entry.value
        for entry in Entry.objects.filter(node__tree=tree).select_related("node")
    }


def messages(plan):
    return [str(error) for error in plan.errors]


def test_a_good_file_is_planned_then_saved(tree, admin):
    data = csv_bytes(
        "tree,node,week,value",
        "fy2026-test,leads,2026-03-30,120",
        'fy2026-test,leads,2026-04-06,"1,234"',
        "fy2026-test,deals,2026-03-30,１２",
        'fy2026-test,avg_deal_size,2026-03-30,"¥500,000"',
    )
    plan = csvfiles.plan_from_bytes(data, user=admin)
    assert plan.ok, messages(plan)
    assert [row.line for row in plan.creates] == [2, 3, 4, 5]
    assert Entry.objects.count() == 0  # planning saves nothing

    counts = csvfiles.apply(plan, admin)

    assert counts == {"created": 4, "changed": 0, "deleted": 0, "unchanged": 0}
    assert stored(tree) == {
        ("leads", W1): Decimal("120"),
        ("leads", W2): Decimal("1234"),
        ("deals", W1): Decimal("12"),
        ("avg_deal_size", W1): Decimal("500000"),
    }


def test_history_records_every_change_with_source_import(tree, member):
    leads = nodes(tree)["leads"]
    set_entry(leads, W1, Decimal("100"), user=member, source="grid")
    plan = csvfiles.build_plan("tree,node,week,value\nfy2026-test,leads,2026-03-30,110\n", user=member)

    csvfiles.apply(plan, member)

    change = EntryChange.objects.filter(source=EntryChange.Source.IMPORT).get()
    assert (change.node, change.week, change.old_value, change.new_value, change.user) == (
        leads,
        W1,
        Decimal("100"),
        Decimal("110"),
        member,
    )


def test_changes_deletes_and_unchanged_rows(tree, admin):
    leads = nodes(tree)["leads"]
    set_entry(leads, W1, Decimal("100"), user=admin, source="grid")
    set_entry(leads, W2, Decimal("200"), user=admin, source="grid")
    set_entry(leads, W3, Decimal("12.5"), user=admin, source="grid")
    text = "\n".join(
        [
            "tree,node,week,value",
            "fy2026-test,leads,2026-03-30,150",  # change
            "fy2026-test,leads,2026-04-06,",  # empty value: delete
            "fy2026-test,leads,2026-04-13,12.500",  # same value
            "fy2026-test,leads,2026-04-20,",  # empty where nothing is stored: nothing to do
        ]
    )
    plan = csvfiles.build_plan(text, user=admin)

    assert [(row.line, row.old_value, row.new_value) for row in plan.changes] == [(2, Decimal("100"), Decimal("150"))]
    assert [(row.line, row.old_value) for row in plan.deletes] == [(3, Decimal("200"))]
    assert [row.line for row in plan.unchanged] == [4, 5]

    assert csvfiles.apply(plan, admin) == {"created": 0, "changed": 1, "deleted": 1, "unchanged": 2}
    assert stored(tree) == {("leads", W1): Decimal("150"), ("leads", W3): Decimal("12.5")}
    assert EntryChange.objects.filter(source="import").count() == 2


def test_utf8_with_bom_is_read(tree, admin):
    data = b"\xef\xbb\xbf" + csv_bytes("tree,node,week,value", "fy2026-test,leads,2026-03-30,5")
    plan = csvfiles.plan_from_bytes(data, user=admin)
    assert plan.ok, messages(plan)
    assert plan.creates[0].new_value == Decimal("5")


def test_cp932_from_japanese_excel_is_read(tree, admin):
    data = csv_bytes(
        "tree,node,week,value,note",
        'fy2026-test,avg_deal_size,2026-03-30,"５００，０００円",展示会の受注を含む',
        "fy2026-test,leads,2026-03-30,１２０,－",
        encoding="cp932",
    )
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the test really is about CP932

    plan = csvfiles.plan_from_bytes(data, user=admin)
    assert plan.ok, messages(plan)
    csvfiles.apply(plan, admin)

    entry = Entry.objects.get(node__code="avg_deal_size")
    assert (entry.value, entry.note) == (Decimal("500000"), "展示会の受注を含む")
    assert stored(tree)[("leads", W1)] == Decimal("120")


@pytest.mark.parametrize(
    "data",
    [
        b"tree,node,week,value\r\nfy2026-test,leads,2026-03-30,\x81\x7f\r\n",  # neither UTF-8 nor CP932
        "tree,node,week,value\r\n".encode("utf-16"),  # Excel's "Unicode text"
        "tree,node,week,value\r\n".encode("utf-16-le"),  # the same without a BOM
    ],
)
def test_a_file_that_is_not_text_is_refused(tree, admin, data):
    plan = csvfiles.plan_from_bytes(data, user=admin)
    assert plan.file_error
    assert messages(plan) == [
        "The file could not be read as text. In Excel, save it as CSV UTF-8 (comma delimited) or as CSV "
        "(comma delimited), then import it again."
    ]
    assert plan.summary() == "Not imported: the file has a problem; nothing saved."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty. Choose a CSV file whose first line is tree,node,week,value."),
        (
            "tree,node,date,value\n",
            'Line 1: the header must be tree,node,week,value (a fifth column "note" is optional); '
            'it is "tree,node,date,value".',
        ),
        (
            "fy2026-test,leads,2026-03-30,5\n",
            'Line 1: the header must be tree,node,week,value (a fifth column "note" is optional); '
            'it is "fy2026-test,leads,2026-03-30,5".',
        ),
        (
            "tree;node;week;value\nfy2026-test;leads;2026-03-30;5\n",
            "Line 1: the columns are separated by semicolons. Save the file as CSV with commas.",
        ),
        ("tree,node,week,value\n\n", "The file has a header but no rows. Add one row per node and week."),
    ],
)
def test_a_file_without_the_header_is_refused(tree, admin, text, message):
    plan = csvfiles.plan_from_bytes(text.encode(), user=admin)
    assert messages(plan) == [message]
    assert plan.summary() == "Not imported: the file has a problem; nothing saved."
    assert not plan.rows


def test_columns_are_matched_by_name(tree, admin):
    plan = csvfiles.build_plan(" Value ,Week,NODE,tree,\n5,2026-03-30,leads,fy2026-test,\n", user=admin)
    assert plan.ok, messages(plan)
    assert (plan.creates[0].node.code, plan.creates[0].week, plan.creates[0].new_value) == ("leads", W1, 5)


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_saved(tree, admin):
    leads = nodes(tree)["leads"]
    set_entry(leads, W1, Decimal("100"), user=admin, source="grid")
    text = "\n".join(
        [
            "tree,node,week,value",  # 1
            "fy2026-test,leads,2026-04-06,10",  # 2: good
            "fy2026-test,leads,2026-04-07,10",  # 3: a Tuesday
            "fy2026-test,revenue,2026-04-06,10",  # 4: a formula node
            "fy2026-test,leads,2026-04-13,１２O",  # 5: not a number
            "fy2026-test,leadz,2026-04-13,1",  # 6: no such node
            "fy2099-none,leads,2026-04-13,1",  # 7: no such tree
            "fy2026-test,leads,2027-04-05,1",  # 8: after the period
            "fy2026-test,leads,6/29/2026,1",  # 9: not an ISO date
            "fy2026-test,leads,2026-04-20",  # 10: a cell short
            "",  # 11: blank, skipped
            "fy2026-test,leads,2026-04-06,11",  # 12: same node and week as line 2
            '"fy2026-test","deals","2026-04-08","1,23"',  # 13: two problems in one row
            "fy2026-test,,2026-04-06,1",  # 14: no node
            "fy2026-test,leads,2026-03-30,",  # 15: good (deletes)
        ]
    )
    plan = csvfiles.build_plan(text, user=admin)

    assert messages(plan) == [
        "Line 3: 2026-04-07 does not start a week; use its Monday (2026-04-06).",
        "Line 4: revenue is calculated; delete the row.",
        'Line 5: "１２O" is not a number. Enter one number, such as 120.',
        'Line 6: fy2026-test has no node with the code "leadz". Check the node column.',
        'Line 7: there is no tree with the code "fy2099-none". Check the tree column.',
        "Line 8: 2027-04-05 is not in the period of FY2026 テスト: its weeks run from 2026-03-30 to 2027-03-22.",
        'Line 9: "6/29/2026" is not a date. Write the week as year-month-day, such as 2026-03-30.',
        "Line 10: this line has 3 cells; it needs 4 (tree,node,week,value). For an empty value, end the line "
        "with a comma.",
        "Line 12: leads for the week of 2026-04-06 is also on line 2. Keep one of the two rows.",
        "Line 13: 2026-04-08 does not start a week; use its Monday (2026-04-06).",
        'Line 13: "1,23" has a comma in the wrong place. Put commas between groups of three digits, such as '
        "1,234, or leave them out.",
        "Line 14: the node column is empty.",
    ]
    assert plan.error_line_count == 11
    assert plan.summary() == "Not imported: 11 rows have problems; nothing saved."
    assert plan.error_report().splitlines()[-1] == "Fix them and import again."

    with pytest.raises(csvfiles.ImportRefused):
        csvfiles.apply(plan, admin)
    assert stored(tree) == {("leads", W1): Decimal("100")}
    assert EntryChange.objects.filter(source="import").count() == 0


def test_weeks_are_named_by_the_trees_week_start(tree, admin):
    tree.week_start = 6  # Sunday
    tree.save()
    plan = csvfiles.build_plan("tree,node,week,value\nfy2026-test,leads,2026-04-06,1\n", user=admin)
    assert messages(plan) == ["Line 2: 2026-04-06 does not start a week; use its Sunday (2026-04-05)."]


def test_excel_rewritten_dates_are_read(tree, admin):
    plan = csvfiles.build_plan("tree,node,week,value\nfy2026-test,leads,2026/4/6,1\nfy2026-test,deals,2026/04/06,1\n")
    assert plan.ok, messages(plan)
    assert [row.week for row in plan.creates] == [W2, W2]


def test_line_numbers_count_rows_as_excel_does(tree, admin):
    text = 'tree,node,week,value,note\nfy2026-test,leads,2026-03-30,1,"two\nlines"\n,,,,\nfy2026-test,leads,x,1,\n'
    plan = csvfiles.build_plan(text, user=admin)
    assert messages(plan) == [
        'Line 4: "x" is not a date. Write the week as year-month-day, such as 2026-03-30.',
    ]


def test_a_row_may_change_only_nodes_the_person_enters(tree, sales_member):
    leads = nodes(tree)["leads"]  # marketing's
    set_entry(leads, W1, Decimal("100"), user=None, source="admin")
    text = "\n".join(
        [
            "tree,node,week,value",
            "fy2026-test,deals,2026-03-30,3",  # sales: fine
            "fy2026-test,leads,2026-04-06,10",  # marketing: refused
            "fy2026-test,leads,2026-03-30,100",  # marketing, but unchanged: fine
            "fy2026-test,leads,2026-04-13,",  # marketing, nothing to delete: fine
        ]
    )
    plan = csvfiles.build_plan(text, user=sales_member)
    assert messages(plan) == [
        "Line 3: you cannot enter leads: members of マーケティング部 enter it. Ask them, or delete the row."
    ]

    plan = csvfiles.build_plan(text.replace("2026-04-06,10", "2026-04-06,"), user=sales_member)
    assert plan.ok, messages(plan)
    csvfiles.apply(plan, sales_member)
    assert stored(tree) == {("leads", W1): Decimal("100"), ("deals", W1): Decimal("3")}


def test_a_node_without_department_is_entered_by_admins_only(tree, member, admin):
    Node.objects.filter(code="leads").update(department=None)
    text = "tree,node,week,value\nfy2026-test,leads,2026-03-30,1\n"
    assert messages(csvfiles.build_plan(text, user=member)) == [
        "Line 2: you cannot enter leads: it has no owner department, so only admins enter it. Ask an admin, or "
        "delete the row."
    ]
    assert csvfiles.build_plan(text, user=admin).ok
    assert csvfiles.build_plan(text, user=None).ok  # the command line without --user


def test_the_import_page_takes_only_its_trees_rows(tree, admin):
    text = "tree,node,week,value\nfy2027-other,leads,2026-03-30,1\n"
    assert messages(csvfiles.build_plan(text, user=admin, tree=tree)) == [
        'Line 2: this row is for the tree "fy2027-other", but this page imports into FY2026 テスト (fy2026-test). '
        "Import it from that tree's page, or correct the tree column."
    ]


def test_archived_nodes_cannot_be_imported(tree, admin):
    Node.objects.filter(code="leads").update(archived_at="2026-05-01T00:00:00Z")
    plan = csvfiles.build_plan("tree,node,week,value\nfy2026-test,leads,2026-03-30,1\n", user=admin)
    assert messages(plan) == ['Line 2: fy2026-test has no node with the code "leads". Check the node column.']


def test_values_are_read_with_the_nodes_unit(tree, admin):
    Node.objects.filter(code="leads").update(unit="%")
    text = "tree,node,week,value\nfy2026-test,leads,2026-03-30,12.5%\nfy2026-test,deals,2026-03-30,12.5%\n"
    plan = csvfiles.build_plan(text, user=admin)
    assert messages(plan) == [
        'Line 3: "12.5%" is a percentage, but this number is not counted in %. Enter it without %, such as 120.'
    ]


def test_the_note_column_sets_notes_and_its_absence_keeps_them(tree, admin):
    leads = nodes(tree)["leads"]
    set_entry(leads, W1, Decimal("1"), user=admin, source="grid", note="before")

    csvfiles.apply(csvfiles.build_plan("tree,node,week,value\nfy2026-test,leads,2026-03-30,2\n"), None)
    assert Entry.objects.get(node=leads, week=W1).note == "before"

    plan = csvfiles.build_plan("tree,node,week,value,note\nfy2026-test,leads,2026-03-30,2,after\n")
    assert [row.line for row in plan.changes] == [2]  # a new note alone is a change
    csvfiles.apply(plan, None)
    assert Entry.objects.get(node=leads, week=W1).note == "after"

    plan = csvfiles.build_plan(
        "tree,node,week,value,note\nfy2026-test,leads,2026-04-06,,a note\nfy2026-test,leads,2026-04-13,1," + "x" * 201
    )
    assert messages(plan) == [
        "Line 2: a row with an empty value deletes the entry and cannot have a note. Enter the value, or clear "
        "the note.",
        "Line 3: the note has 201 characters; shorten it to 200.",
    ]


def test_apply_is_all_or_nothing(tree, admin, monkeypatch):
    leads = nodes(tree)["leads"]
    set_entry(leads, W1, Decimal("100"), user=admin, source="grid")
    text = "tree,node,week,value\n" + "".join(f"fy2026-test,leads,{W1 + timedelta(weeks=i)},{i}\n" for i in range(6))
    plan = csvfiles.build_plan(text, user=admin)
    calls = []
    real_set_entry = csvfiles.set_entry

    def failing_set_entry(*args, **kwargs):
        calls.append(args)
        if len(calls) == 4:
            raise RuntimeError("the database went away")
        return real_set_entry(*args, **kwargs)

    monkeypatch.setattr(csvfiles, "set_entry", failing_set_entry)
    with pytest.raises(RuntimeError):
        csvfiles.apply(plan, admin)

    assert len(calls) == 4  # three rows were written before the failure ...
    assert stored(tree) == {("leads", W1): Decimal("100")}  # ... and rolled back with it
    assert EntryChange.objects.filter(source="import").count() == 0


def test_apply_refuses_a_plan_that_the_database_has_moved_past(tree, admin, member):
    leads = nodes(tree)["leads"]
    set_entry(leads, W1, Decimal("100"), user=admin, source="grid")
    plan = csvfiles.build_plan(
        "tree,node,week,value\nfy2026-test,leads,2026-03-30,150\nfy2026-test,leads,2026-04-06,5\n", user=member
    )
    set_entry(leads, W1, Decimal("120"), user=admin, source="grid")  # someone saves in the grid meanwhile

    with pytest.raises(csvfiles.ImportStale):
        csvfiles.apply(plan, member)
    assert stored(tree) == {("leads", W1): Decimal("120")}


def test_apply_refuses_when_a_node_became_a_formula(tree, admin):
    plan = csvfiles.build_plan("tree,node,week,value\nfy2026-test,leads,2026-03-30,1\n", user=admin)
    Node.objects.filter(code="leads").update(formula="1")
    with pytest.raises(csvfiles.ImportStale):
        csvfiles.apply(plan, admin)
    assert not Entry.objects.exists()


def test_apply_refuses_a_delete_and_recreate_behind_its_back(tree, admin):
    leads = nodes(tree)["leads"]
    set_entry(leads, W1, Decimal("100"), user=admin, source="grid")
    plan = csvfiles.build_plan("tree,node,week,value\nfy2026-test,leads,2026-03-30,150\n", user=admin)
    set_entry(leads, W1, None, user=admin, source="grid")
    set_entry(leads, W1, Decimal("100"), user=admin, source="grid")  # same value and version 1, another entry
    with pytest.raises(csvfiles.ImportStale):
        csvfiles.apply(plan, admin)


def _big_tree_file(tree, rows):
    parent = Node.objects.get(tree=tree, code="leads")
    for i in range(4):
        Node.objects.create(
            tree=tree,
            parent=parent,
            code=f"extra_{i}",
            name=f"Extra {i}",
            unit="件",
            department=parent.department,
            position=10 + i,
        )
    codes = ["leads", "extra_0", "extra_1", "extra_2", "extra_3"]  # marketing's, which a member may enter
    lines = ["tree,node,week,value"]
    for i in range(rows):
        lines.append(f"fy2026-test,{codes[i % len(codes)]},{tree.weeks[i // len(codes)]},{i}")
    return "\n".join(lines)


def _count_queries(text, user, tree):
    tree.refresh_from_db()  # a fresh tree and person: nothing cached between the two runs
    user.refresh_from_db()
    user.__dict__.pop("_goaltree_access", None)
    with CaptureQueriesContext(connection) as queries:
        plan = csvfiles.build_plan(text, user=user)
    assert plan.ok, messages(plan)
    return len(queries)


def test_checking_a_file_takes_the_same_queries_for_10_and_200_rows(tree, member):
    big = _big_tree_file(tree, 200)
    small = "\n".join(big.splitlines()[:11])
    set_entry(Node.objects.get(code="leads"), W1, Decimal("1"), user=None, source="admin")

    assert (
        _count_queries(small, member, tree) == _count_queries(big, member, tree) == 4
    )  # access, tree, nodes, entries


def test_an_export_lists_the_entries_in_tree_order_with_a_bom(tree, admin):
    n = nodes(tree)
    set_entry(n["leads"], W2, Decimal("1234.500000"), user=admin, source="grid")
    set_entry(n["leads"], W1, Decimal("1000"), user=admin, source="grid")
    set_entry(n["deals"], W1, Decimal("-3"), user=admin, source="grid")
    set_entry(n["avg_deal_size"], W1, Decimal("500000"), user=admin, source="grid")
    Entry.objects.create(node=n["deals"], week=date(2027, 4, 5), value=1)  # outside the period: not exported

    text = csvfiles.entries_csv(tree)

    assert text.startswith("\ufeff")
    assert text.removeprefix("\ufeff").split("\r\n") == [
        "tree,node,week,value",
        "fy2026-test,deals,2026-03-30,-3",
        "fy2026-test,leads,2026-03-30,1000",
        "fy2026-test,leads,2026-04-06,1234.5",
        "fy2026-test,avg_deal_size,2026-03-30,500000",
        "",
    ]


def test_an_export_imports_back_unchanged(tree, admin):
    n = nodes(tree)
    set_entry(n["leads"], W1, Decimal("0.000001"), user=admin, source="grid")
    set_entry(n["deals"], W2, Decimal("123456789012345"), user=admin, source="grid")
    plan = csvfiles.plan_from_bytes(csvfiles.entries_csv(tree).encode("utf-8"), user=admin)
    assert plan.ok, messages(plan)
    assert len(plan.unchanged) == len(plan.rows) == 2


def test_the_template_has_every_measured_node_and_week_with_current_values(tree, admin):
    n = nodes(tree)
    set_entry(n["leads"], W2, Decimal("7"), user=admin, source="grid")

    rows = list(csv.reader(io.StringIO(csvfiles.template_csv(tree).removeprefix("\ufeff"))))

    assert rows[0] == ["tree", "node", "week", "value"]
    assert len(rows) == 1 + 3 * 52
    assert {row[1] for row in rows[1:]} == {"deals", "leads", "avg_deal_size"}  # no formula node
    assert rows[1:4] == [
        ["fy2026-test", "deals", "2026-03-30", ""],
        ["fy2026-test", "deals", "2026-04-06", ""],
        ["fy2026-test", "deals", "2026-04-13", ""],
    ]
    assert ["fy2026-test", "leads", "2026-04-06", "7"] in rows

    # Imported untouched, the template changes nothing (an empty value would otherwise delete).
    plan = csvfiles.build_plan(csvfiles.template_csv(tree), user=admin)
    assert plan.ok
    assert len(plan.unchanged) == 3 * 52
