"""The entry grid in a real browser: keyboard, paste from a spreadsheet, refused values, conflicts, reload."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from goals.models import Node
from metrics.entries import set_entry
from metrics.grid import cell_key
from metrics.models import Entry
from tests.browser.conftest import htmx_settled, login

pytestmark = pytest.mark.browser

WEEKS = [date(2026, 5, 25) + timedelta(weeks=i) for i in range(6)]  # the visible weeks: 25 May to 29 June
LAST_WEEK = WEEKS[-1]


@pytest.fixture(autouse=True)
def wednesday_8_july():
    # The server runs in this process: it sees the same clock. The clock ticks, so timeouts still work.
    with time_machine.travel("2026-07-08 10:00 +09:00", tick=True):
        yield


@pytest.fixture
def rows(tree, marketing):
    """Marketing's rows among sales' read-only ones (with "All departments"):
    売上 (computed), 受注件数 (sales), リード数, セッション数, 平均受注単価 (sales), MQL数."""
    nodes = {node.code: node for node in tree.nodes.all()}
    nodes["sessions"] = Node.objects.create(
        tree=tree, parent=nodes["leads"], code="sessions", name="セッション数", unit="件", department=marketing
    )
    nodes["mqls"] = Node.objects.create(
        tree=tree, parent=nodes["revenue"], code="mqls", name="MQL数", unit="件", department=marketing, position=3
    )
    return nodes


def field(node, week):
    return f"#v-{cell_key(node.pk, week)}"


def wait_for(page, node, week, outcome):
    """Until the cell's save came back with this outcome (saved, error, conflict, theirs...) and htmx is idle:
    what it swapped in works (a conflict's buttons), and the test may read the database."""
    page.wait_for_selector(f"#state-{cell_key(node.pk, week)} .cell__result[data-outcome={outcome}]", state="attached")
    htmx_settled(page)


def hold_first_save(page):
    """Keep the next cell save on its way until the test releases it (`held[0].continue_()`); later saves queue
    behind it in the page (hx-sync), as they do behind a slow answer."""
    held = []

    def handle(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/numbers/save/", handle)
    return held


def focused_id(page):
    return page.evaluate("document.activeElement.id")


def stored(node, week):
    entry = Entry.objects.filter(node=node, week=week).first()
    return entry.value if entry else None


def test_typing_with_the_keyboard(page, member, rows):
    leads, sessions, mqls = rows["leads"], rows["sessions"], rows["mqls"]
    login(page, member)
    page.goto("/numbers/")
    # The last complete week of the first row takes the focus.
    expect(page.locator(field(leads, LAST_WEEK))).to_be_focused()
    page.keyboard.type("120")
    page.keyboard.press("Enter")  # down
    assert focused_id(page) == field(sessions, LAST_WEEK)[1:]
    wait_for(page, leads, LAST_WEEK, "saved")
    page.keyboard.type("１，２３４")
    page.keyboard.press("Shift+Tab")  # left
    assert focused_id(page) == field(sessions, WEEKS[4])[1:]
    page.keyboard.type("55")
    page.keyboard.press("Tab")  # right, onto 1,234 (selected)
    assert focused_id(page) == field(sessions, LAST_WEEK)[1:]
    page.keyboard.press("ArrowDown")
    assert focused_id(page) == field(mqls, LAST_WEEK)[1:]
    page.keyboard.type("7")
    page.keyboard.press("ArrowLeft")  # the caret moves inside the cell first
    assert focused_id(page) == field(mqls, LAST_WEEK)[1:]
    page.keyboard.press("ArrowLeft")  # at its start: the cell on the left
    assert focused_id(page) == field(mqls, WEEKS[4])[1:]
    page.keyboard.type("999")
    page.keyboard.press("Escape")  # the stored value (none) comes back
    assert page.input_value(field(mqls, WEEKS[4])) == ""
    page.keyboard.press("ArrowUp")
    assert focused_id(page) == field(sessions, WEEKS[4])[1:]

    for node, week in ((sessions, LAST_WEEK), (sessions, WEEKS[4]), (mqls, LAST_WEEK)):
        wait_for(page, node, week, "saved")
    assert page.input_value(field(sessions, LAST_WEEK)) == "1,234"  # written back as stored
    assert stored(leads, LAST_WEEK) == Decimal("120")
    assert stored(sessions, LAST_WEEK) == Decimal("1234")
    assert stored(sessions, WEEKS[4]) == Decimal("55")
    assert stored(mqls, LAST_WEEK) == Decimal("7")
    assert stored(mqls, WEEKS[4]) is None

    page.reload()
    assert page.input_value(field(leads, LAST_WEEK)) == "120"
    assert page.input_value(field(sessions, LAST_WEEK)) == "1,234"
    assert page.input_value(field(sessions, WEEKS[4])) == "55"
    assert page.input_value(field(mqls, LAST_WEEK)) == "7"
    assert page.console_errors == []


def test_pasting_a_block_from_a_spreadsheet(page, member, rows):
    leads, sessions, mqls = rows["leads"], rows["sessions"], rows["mqls"]
    login(page, member)
    page.goto("/numbers/?show=all")
    # Three rows of four weeks, as Excel copies them: tabs, CRLF, a trailing line end; one value refused.
    block = "10\t11\t12\t13\r\n20\tabc\t22\t23\r\n30\t31\t32\t33\r\n"
    page.focus(field(leads, WEEKS[1]))
    page.evaluate(
        """([selector, text]) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            document.querySelector(selector).dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        [field(leads, WEEKS[1]), block],
    )
    expected = {leads: ["10", "11", "12", "13"], sessions: ["20", "abc", "22", "23"], mqls: ["30", "31", "32", "33"]}
    # The sales row between セッション数 and MQL数 is read-only and skipped.
    for node, values in expected.items():
        for week, value in zip(WEEKS[1:5], values, strict=True):
            wait_for(page, node, week, "error" if value == "abc" else "saved")
    assert page.input_value(field(sessions, WEEKS[2])) == "abc"
    assert Entry.objects.filter(node__in=[leads, sessions, mqls]).count() == 11
    assert stored(mqls, WEEKS[4]) == Decimal("33")
    assert stored(leads, WEEKS[0]) is None and stored(leads, LAST_WEEK) is None  # nothing outside the block
    assert not Entry.objects.filter(node=rows["avg_deal_size"]).exists()

    page.reload()
    for node, values in expected.items():
        for week, value in zip(WEEKS[1:5], values, strict=True):
            assert page.input_value(field(node, week)) == ("" if value == "abc" else value)


def test_a_refused_value_stays_with_its_message(page, member, rows):
    leads = rows["leads"]
    login(page, member)
    page.goto("/numbers/")
    page.fill(field(leads, WEEKS[4]), "12O")
    page.keyboard.press("Tab")
    wait_for(page, leads, WEEKS[4], "error")
    message = page.inner_text(f"#state-{cell_key(leads.pk, WEEKS[4])}")
    assert "リード数" in message and "6/22" in message and "12O" in message
    assert page.input_value(field(leads, WEEKS[4])) == "12O"
    assert page.get_attribute(field(leads, WEEKS[4]), "aria-invalid") == "true"
    assert stored(leads, WEEKS[4]) is None
    # Correcting it saves, and the error goes.
    page.fill(field(leads, WEEKS[4]), "120")
    page.keyboard.press("Tab")
    wait_for(page, leads, WEEKS[4], "saved")
    assert page.get_attribute(field(leads, WEEKS[4]), "aria-invalid") is None
    assert stored(leads, WEEKS[4]) == Decimal("120")


def test_a_conflict_asks_and_overwrite_saves(page, member, owner, rows):
    leads = rows["leads"]
    set_entry(leads, LAST_WEEK, Decimal("1200"), user=member, source="grid")
    login(page, member)
    page.goto("/numbers/")
    set_entry(leads, LAST_WEEK, Decimal("1250"), user=owner, source="grid")  # 田中, meanwhile
    page.fill(field(leads, LAST_WEEK), "1300")
    page.keyboard.press("Tab")
    wait_for(page, leads, LAST_WEEK, "conflict")
    box = f"#cell-{cell_key(leads.pk, LAST_WEEK)}"
    text = page.inner_text(box)
    assert "田中" in text and "1,250" in text and "1,300" in text
    assert page.input_value(field(leads, LAST_WEEK)) == "1300"
    assert stored(leads, LAST_WEEK) == Decimal("1250")
    page.click(f"{box} button[name=overwrite]")
    wait_for(page, leads, LAST_WEEK, "saved")
    assert stored(leads, LAST_WEEK) == Decimal("1300")


def test_use_theirs_puts_their_value_in_the_cell(page, member, owner, rows):
    leads = rows["leads"]
    set_entry(leads, LAST_WEEK, Decimal("1200"), user=member, source="grid")
    login(page, member)
    page.goto("/numbers/")
    set_entry(leads, LAST_WEEK, Decimal("1250"), user=owner, source="grid")
    page.fill(field(leads, LAST_WEEK), "1300")
    page.keyboard.press("Tab")
    wait_for(page, leads, LAST_WEEK, "conflict")
    page.click(f"#cell-{cell_key(leads.pk, LAST_WEEK)} button[name=theirs]")
    wait_for(page, leads, LAST_WEEK, "theirs")

    assert page.input_value(field(leads, LAST_WEEK)) == "1,250"
    # The cell now carries their version: the next change saves without a conflict.
    page.fill(field(leads, LAST_WEEK), "1260")
    page.keyboard.press("Tab")
    wait_for(page, leads, LAST_WEEK, "saved")
    assert stored(leads, LAST_WEEK) == Decimal("1260")


def test_computed_rows_follow_what_is_typed(page, sales_member, rows):
    login(page, sales_member)
    page.goto("/numbers/")
    page.fill(field(rows["deals"], LAST_WEEK), "4")
    page.keyboard.press("Enter")
    wait_for(page, rows["deals"], LAST_WEEK, "saved")
    page.fill(field(rows["avg_deal_size"], LAST_WEEK), "¥500,000")
    page.keyboard.press("Enter")
    revenue = f"#computed-{cell_key(rows['revenue'].pk, LAST_WEEK)}"
    expect(page.locator(revenue)).to_have_text("2,000,000")


def test_the_note_is_saved_with_the_number(page, member, rows):
    leads = rows["leads"]
    login(page, member)
    page.goto("/numbers/")
    page.fill(field(leads, LAST_WEEK), "90")
    page.focus(field(leads, LAST_WEEK))
    page.keyboard.press("Shift+F2")
    note = f"#note-{cell_key(leads.pk, LAST_WEEK)}"
    assert focused_id(page) == note[1:]
    page.keyboard.type("キャンペーン週")
    page.keyboard.press("Enter")  # closes the note and returns to the cell
    assert focused_id(page) == field(leads, LAST_WEEK)[1:]
    expect(page.locator(note)).to_have_attribute("data-stored", "キャンペーン週")
    htmx_settled(page)
    entry = Entry.objects.get(node=leads, week=LAST_WEEK)
    assert (entry.value, entry.note) == (Decimal("90"), "キャンペーン週")


def test_what_is_typed_while_a_save_is_on_its_way_is_saved_after_it(page, member, rows):
    """The answer to an older save must not put its value or note back over what was typed since."""
    leads = rows["leads"]
    login(page, member)
    page.goto("/numbers/")
    held = hold_first_save(page)
    cell, note = field(leads, LAST_WEEK), f"#note-{cell_key(leads.pk, LAST_WEEK)}"
    page.fill(cell, "90")
    with page.expect_request("**/numbers/save/"):
        page.keyboard.press("Shift+F2")  # leaving the cell for its note saves 90, without a note: held
    page.keyboard.type("キャンペーン週")
    page.keyboard.press("Enter")  # the note's save waits behind the first one
    page.fill(cell, "95")
    page.keyboard.press("Tab")  # and so does this one
    held[0].continue_()
    expect(page.locator(cell)).to_have_attribute("data-stored", "95")
    expect(page.locator(note)).to_have_attribute("data-stored", "キャンペーン週")
    htmx_settled(page)
    assert page.input_value(cell) == "95"
    assert page.input_value(note) == "キャンペーン週"
    entry = Entry.objects.get(node=leads, week=LAST_WEEK)
    assert (entry.value, entry.note) == (Decimal("95"), "キャンペーン週")
    assert page.console_errors == []
