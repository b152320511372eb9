"""The entry grid: who enters what, saving one cell (htmx) or the whole grid (no JavaScript), conflicts."""

import json
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from goals.models import Node
from metrics.entries import set_entry
from metrics.grid import VISIBLE_WEEKS, cell_key
from metrics.grid_saving import FIELDS_PER_CELL, FORM_FIELDS
from metrics.models import Entry, EntryChange

pytestmark = pytest.mark.usefixtures("english", "english_pages")

NOW = "2026-07-08 10:00 +09:00"  # a Wednesday: the last complete week is that of Monday 29 June
LAST_WEEK = date(2026, 6, 29)
WEEK_BEFORE = date(2026, 6, 22)
GRID = "/numbers/"
SAVE = "/numbers/save/"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def cell(node, week, value, *, version=0, orig="", note=None, orig_note=""):
    """The fields the grid sends for one cell."""
    key = cell_key(node.pk, week)
    data = {f"v-{key}": value, f"ver-{key}": str(version), f"orig-{key}": orig}
    if note is not None:
        data[f"note-{key}"] = note
    if orig_note:
        data[f"orignote-{key}"] = orig_note
    return data


def value_of(node, week):
    entry = Entry.objects.filter(node=node, week=week).first()
    return entry.value if entry else None


# --- the page --------------------------------------------------------------------------------------------------


def test_urls_are_named():
    assert reverse("metrics:grid") == GRID
    assert reverse("metrics:save-cell") == SAVE
    assert reverse("metrics:due") == "/numbers/due/"


def test_anonymous_people_are_sent_to_sign_in(client, tree):
    response = client.get(GRID)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    response = client.post(SAVE, {})
    assert response.status_code == 302
    assert not Entry.objects.exists()


def test_a_marketing_member_gets_inputs_for_marketing_nodes_only(client, member, nodes):
    client.force_login(member)
    response = client.get(GRID)
    assert response.status_code == 200
    page = response.content.decode()
    leads_key = cell_key(nodes["leads"].pk, LAST_WEEK)
    assert f'name="v-{leads_key}"' in page
    assert 'inputmode="decimal"' in page
    assert 'type="number"' not in page
    # Sales' measured nodes are not rows of "my departments"; the formula node is shown computed.
    assert "受注件数" not in page
    assert f'id="computed-{cell_key(nodes["revenue"].pk, LAST_WEEK)}"' in page
    # The last complete week is the rightmost column and takes the focus.
    assert "data-focus" in page.split(f'id="v-{leads_key}"')[1].split(">")[0]


def test_all_departments_shows_other_nodes_read_only(client, member, nodes):
    set_entry(nodes["deals"], LAST_WEEK, Decimal("1250"), user=None, source="import")
    client.force_login(member)
    page = client.get(GRID, {"show": "all"}).content.decode()
    deals_key = cell_key(nodes["deals"].pk, LAST_WEEK)
    assert "受注件数" in page
    assert f'name="v-{deals_key}"' not in page
    assert f'id="cell-{deals_key}"' in page
    assert "1,250" in page
    assert f'name="v-{cell_key(nodes["leads"].pk, LAST_WEEK)}"' in page


def test_a_viewer_sees_every_number_and_enters_none(client, viewer, nodes):
    client.force_login(viewer)
    page = client.get(GRID).content.decode()
    assert "リード数" in page and "受注件数" in page
    assert "cell__input" not in page


def test_the_weeks_move_back_through_the_period(client, member, nodes):
    client.force_login(member)
    page = client.get(GRID, {"week": "2026-05-04"}).content.decode()
    assert f'name="v-{cell_key(nodes["leads"].pk, date(2026, 5, 4))}"' in page
    assert f'name="v-{cell_key(nodes["leads"].pk, date(2026, 3, 30))}"' in page  # the period's first week
    assert f'name="v-{cell_key(nodes["leads"].pk, LAST_WEEK)}"' not in page
    assert "week=2026-06-15" in page  # the next six weeks


def test_the_first_weeks_of_the_period_fill_the_grid(client, member, nodes):
    client.force_login(member)
    page = client.get(GRID, {"week": "2026-03-01"}).content.decode()  # before the period: its first weeks
    assert page.count('class="grid-week') == 6
    assert f'name="v-{cell_key(nodes["leads"].pk, date(2026, 3, 30))}"' in page
    assert f'name="v-{cell_key(nodes["leads"].pk, date(2026, 5, 4))}"' in page
    assert "Earlier 6 weeks" not in page


def test_the_tree_selector_lists_every_tree_of_my_departments(client, member, tree, marketing):
    from goals.models import Tree

    old = Tree.objects.create(
        code="fy2025", name="FY2025", department=marketing, period_start=date(2025, 4, 1), period_end=date(2026, 3, 31)
    )
    Node.objects.create(tree=old, code="kgi", name="旧KGI", department=marketing)
    client.force_login(member)
    page = client.get(GRID).content.decode()
    assert "FY2025" in page  # offered in the selector...
    assert "旧KGI" not in page  # ...but only the tree whose period holds last week is shown
    page = client.get(GRID, {"tree": old.pk}).content.decode()
    assert "旧KGI" in page and "リード数" not in page


# --- one cell through htmx -------------------------------------------------------------------------------------


def test_saving_a_cell_creates_the_entry_and_records_the_change(client, member, nodes):
    client.force_login(member)
    response = client.post(SAVE, cell(nodes["leads"], LAST_WEEK, "１，２３４"), headers=HTMX)
    assert response.status_code == 200
    assert value_of(nodes["leads"], LAST_WEEK) == Decimal("1234")
    page = response.content.decode()
    assert 'data-outcome="saved"' in page
    assert 'data-value="1,234"' in page
    assert "Saved" in page
    # The hidden state swaps out of band: the next save carries the new version and value.
    key = cell_key(nodes["leads"].pk, LAST_WEEK)
    assert f'id="meta-{key}" hx-swap-oob="true"' in page
    assert f'name="ver-{key}" value="1"' in page
    trigger = json.loads(response["HX-Trigger"])
    assert trigger["entriesChanged"] == {"tree": nodes["leads"].tree_id, "node": "leads", "week": "2026-06-29"}
    change = EntryChange.objects.get()
    assert (change.old_value, change.new_value, change.user, change.source) == (None, Decimal("1234"), member, "grid")


def test_saving_refreshes_the_computed_cells_of_that_week(client, sales_member, nodes):
    client.force_login(sales_member)
    client.post(SAVE, cell(nodes["deals"], LAST_WEEK, "4"), headers=HTMX)
    response = client.post(SAVE, cell(nodes["avg_deal_size"], LAST_WEEK, "¥500,000"), headers=HTMX)
    page = response.content.decode()
    revenue_key = cell_key(nodes["revenue"].pk, LAST_WEEK)
    assert f'id="computed-{revenue_key}" hx-swap-oob="true"' in page
    assert "2,000,000" in page


def test_a_refused_value_saves_nothing_and_names_the_cell(client, member, nodes):
    client.force_login(member)
    response = client.post(SAVE, cell(nodes["leads"], LAST_WEEK, "120〜130"), headers=HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-outcome="error"' in page
    assert "リード数 (w/c 29 Jun): &quot;120〜130&quot; is not a number." in page
    assert "hx-swap-oob" not in page  # the cell keeps its version and what was typed
    assert not Entry.objects.exists()
    assert not EntryChange.objects.exists()
    assert "HX-Trigger" not in response


def test_the_message_is_in_japanese_for_japanese_users(client, member, nodes):
    client.force_login(member)
    response = client.post(SAVE, cell(nodes["leads"], LAST_WEEK, "abc"), headers=HTMX, HTTP_ACCEPT_LANGUAGE="ja")
    assert "6/29週" in response.content.decode()


def test_clearing_a_cell_deletes_the_entry(client, member, nodes):
    entry = set_entry(nodes["leads"], LAST_WEEK, Decimal("80"), user=member, source="grid")
    client.force_login(member)
    response = client.post(SAVE, cell(nodes["leads"], LAST_WEEK, "  ", version=entry.version, orig="80"), headers=HTMX)
    assert 'data-outcome="deleted"' in response.content.decode()
    assert not Entry.objects.filter(node=nodes["leads"]).exists()
    change = EntryChange.objects.first()
    assert (change.old_value, change.new_value) == (Decimal("80"), None)


def test_zero_is_a_number_not_a_deletion(client, member, nodes):
    client.force_login(member)
    client.post(SAVE, cell(nodes["leads"], LAST_WEEK, "0"), headers=HTMX)
    assert value_of(nodes["leads"], LAST_WEEK) == Decimal("0")


def test_a_note_is_saved_with_the_number(client, member, nodes):
    client.force_login(member)
    client.post(SAVE, cell(nodes["leads"], LAST_WEEK, "90", note=" キャンペーン週 "), headers=HTMX)
    entry = Entry.objects.get(node=nodes["leads"])
    assert (entry.value, entry.note) == (Decimal("90"), "キャンペーン週")
    response = client.post(
        SAVE,
        cell(nodes["leads"], LAST_WEEK, "90", version=1, orig="90", note="", orig_note="キャンペーン週"),
        headers=HTMX,
    )
    assert 'data-outcome="saved"' in response.content.decode()
    entry.refresh_from_db()
    assert (entry.value, entry.note, entry.version) == (Decimal("90"), "", 2)


def test_a_note_needs_a_number(client, member, nodes):
    client.force_login(member)
    response = client.post(SAVE, cell(nodes["leads"], LAST_WEEK, "", note="CRM障害"), headers=HTMX)
    assert "A note needs a number" in response.content.decode()
    assert not Entry.objects.exists()


def test_an_untouched_cell_is_not_written(client, member, nodes):
    entry = set_entry(nodes["leads"], LAST_WEEK, Decimal("80"), user=member, source="grid")
    client.force_login(member)
    response = client.post(SAVE, cell(nodes["leads"], LAST_WEEK, "80", version=1, orig="80"), headers=HTMX)
    assert 'data-outcome="unchanged"' in response.content.decode()
    entry.refresh_from_db()
    assert entry.version == 1
    assert EntryChange.objects.count() == 1
    assert "HX-Trigger" not in response


def test_a_sales_member_cannot_enter_marketing_numbers(client, sales_member, nodes):
    client.force_login(sales_member)
    response = client.post(SAVE, cell(nodes["leads"], LAST_WEEK, "100"), headers=HTMX)
    assert response.status_code == 403
    assert not Entry.objects.exists()
    page = client.get(GRID, {"show": "all"}).content.decode()
    assert f'name="v-{cell_key(nodes["leads"].pk, LAST_WEEK)}"' not in page  # read-only for them


def test_a_viewer_cannot_save(client, viewer, nodes):
    client.force_login(viewer)
    assert client.post(SAVE, cell(nodes["leads"], LAST_WEEK, "100"), headers=HTMX).status_code == 403
    assert client.post(GRID, cell(nodes["leads"], LAST_WEEK, "100")).status_code == 403
    assert not Entry.objects.exists()


def test_formula_nodes_are_never_entered(client, admin, nodes):
    client.force_login(admin)
    response = client.post(SAVE, cell(nodes["revenue"], LAST_WEEK, "100"), headers=HTMX)
    assert response.status_code == 403
    assert not Entry.objects.exists()


def test_the_week_must_be_a_week_of_the_tree(client, member, nodes):
    client.force_login(member)
    assert client.post(SAVE, cell(nodes["leads"], date(2026, 7, 1), "1"), headers=HTMX).status_code == 400  # a Wed
    assert client.post(SAVE, cell(nodes["leads"], date(2027, 4, 5), "1"), headers=HTMX).status_code == 400
    assert not Entry.objects.exists()


def test_archived_nodes_are_not_entered(client, member, nodes):
    from django.utils import timezone

    Node.objects.filter(pk=nodes["leads"].pk).update(archived_at=timezone.now())
    client.force_login(member)
    assert client.post(SAVE, cell(nodes["leads"], LAST_WEEK, "1"), headers=HTMX).status_code == 400
    assert not Entry.objects.exists()


def test_saving_refuses_get_and_malformed_posts(client, member, nodes):
    client.force_login(member)
    assert client.get(SAVE).status_code == 405
    assert client.post(SAVE, {}, headers=HTMX).status_code == 400  # no cell
    two = {**cell(nodes["leads"], LAST_WEEK, "1"), **cell(nodes["leads"], WEEK_BEFORE, "2")}
    assert client.post(SAVE, two, headers=HTMX).status_code == 400
    assert client.post(SAVE, {"v-abc": "1"}, headers=HTMX).status_code == 400
    bad_version = {**cell(nodes["leads"], LAST_WEEK, "1"), f"ver-{cell_key(nodes['leads'].pk, LAST_WEEK)}": "x"}
    assert client.post(SAVE, bad_version, headers=HTMX).status_code == 400
    assert not Entry.objects.exists()


# --- conflicts -------------------------------------------------------------------------------------------------


@pytest.fixture
def stale(member, owner, nodes):
    """鈴木 loaded 1,200 (version 1); then 田中 changed it to 1,250 (version 2)."""
    entry = set_entry(nodes["leads"], LAST_WEEK, Decimal("1200"), user=member, source="grid")
    set_entry(nodes["leads"], LAST_WEEK, Decimal("1250"), user=owner, source="grid", expected_version=1)
    entry.refresh_from_db()
    return entry


def test_a_stale_save_is_refused_and_says_who_changed_what(client, member, nodes, stale):
    client.force_login(member)
    response = client.post(SAVE, cell(nodes["leads"], LAST_WEEK, "1,300", version=1, orig="1,200"), headers=HTMX)
    page = response.content.decode()
    assert 'data-outcome="conflict"' in page
    assert (
        "Not saved: 田中 changed this to 1,250 at 10:00. Your 1,300 is kept. Use 田中&#x27;s value or Overwrite?"
        in page
    )
    assert 'name="theirs"' in page
    assert f'name="overwrite" value="{cell_key(nodes["leads"].pk, LAST_WEEK)}:2"' in page
    assert value_of(nodes["leads"], LAST_WEEK) == Decimal("1250")
    assert EntryChange.objects.count() == 2


def test_the_conflict_message_in_japanese(client, member, nodes, stale):
    client.force_login(member)
    with translation.override("ja"):
        from metrics.grid_saving import Conflict

        message = Conflict(stale, "佐藤", stale.updated_at, Decimal("1300")).message()
    # Without compiled translations the English sentences are joined without spaces, as Japanese ones are.
    assert "1,250" in message and "1,300" in message and "佐藤" in message and "10:00" in message


def test_use_theirs_takes_the_stored_value_and_saves_nothing(client, member, nodes, stale):
    client.force_login(member)
    key = cell_key(nodes["leads"].pk, LAST_WEEK)
    data = {**cell(nodes["leads"], LAST_WEEK, "1,300", version=1, orig="1,200"), "theirs": key}
    response = client.post(SAVE, data, headers=HTMX)
    page = response.content.decode()
    assert 'data-outcome="theirs"' in page
    assert 'data-value="1,250"' in page
    assert f'name="ver-{key}" value="2"' in page  # the cell now carries their version
    assert value_of(nodes["leads"], LAST_WEEK) == Decimal("1250")
    assert EntryChange.objects.count() == 2


def test_overwrite_saves_over_the_version_that_was_shown(client, member, nodes, stale):
    client.force_login(member)
    key = cell_key(nodes["leads"].pk, LAST_WEEK)
    data = {**cell(nodes["leads"], LAST_WEEK, "1,300", version=1, orig="1,200"), "overwrite": f"{key}:2"}
    response = client.post(SAVE, data, headers=HTMX)
    assert 'data-outcome="saved"' in response.content.decode()
    assert value_of(nodes["leads"], LAST_WEEK) == Decimal("1300")
    change = EntryChange.objects.first()
    assert (change.old_value, change.new_value, change.user) == (Decimal("1250"), Decimal("1300"), member)


def test_overwrite_is_refused_again_when_yet_another_change_came(client, member, owner, nodes, stale):
    set_entry(nodes["leads"], LAST_WEEK, Decimal("1400"), user=owner, source="grid")
    client.force_login(member)
    key = cell_key(nodes["leads"].pk, LAST_WEEK)
    data = {**cell(nodes["leads"], LAST_WEEK, "1,300", version=1, orig="1,200"), "overwrite": f"{key}:2"}
    page = client.post(SAVE, data, headers=HTMX).content.decode()
    assert "1,400" in page and 'data-outcome="conflict"' in page
    assert value_of(nodes["leads"], LAST_WEEK) == Decimal("1400")


def test_a_conflict_with_a_deletion(client, member, owner, nodes):
    set_entry(nodes["leads"], LAST_WEEK, Decimal("1200"), user=member, source="grid")
    set_entry(nodes["leads"], LAST_WEEK, None, user=owner, source="grid")
    client.force_login(member)
    page = client.post(SAVE, cell(nodes["leads"], LAST_WEEK, "1,300", version=1, orig="1,200"), headers=HTMX)
    assert "Not saved: 田中 deleted this number at 10:00." in page.content.decode()
    assert not Entry.objects.exists()


def test_typing_what_is_stored_already_is_not_a_conflict(client, member, nodes, stale):
    client.force_login(member)
    response = client.post(SAVE, cell(nodes["leads"], LAST_WEEK, "1250", version=1, orig="1,200"), headers=HTMX)
    assert 'data-outcome="unchanged"' in response.content.decode()


# --- the whole grid as one form ---------------------------------------------------------------------------------


def test_the_whole_grid_saves_every_cell_in_one_go(client, member, nodes):
    set_entry(nodes["leads"], WEEK_BEFORE, Decimal("70"), user=member, source="grid")
    client.force_login(member)
    data = {
        **cell(nodes["leads"], LAST_WEEK, "１２０"),
        **cell(nodes["leads"], WEEK_BEFORE, "", version=1, orig="70"),
        **cell(nodes["leads"], date(2026, 6, 15), ""),
        **cell(nodes["leads"], date(2026, 6, 8), "55", note="展示会"),
    }
    response = client.post(GRID + "?show=mine", data)
    assert response.status_code == 302
    assert response["Location"] == GRID + "?show=mine"
    assert value_of(nodes["leads"], LAST_WEEK) == Decimal("120")
    assert value_of(nodes["leads"], WEEK_BEFORE) is None
    assert Entry.objects.get(node=nodes["leads"], week=date(2026, 6, 8)).note == "展示会"
    assert EntryChange.objects.filter(source="grid").count() == 4  # 70, then 120, deletion, 55
    follow = client.get(response["Location"]).content.decode()
    assert "Saved 3 numbers." in follow


def test_one_bad_cell_saves_none_and_keeps_everything_typed(client, member, owner, nodes):
    client.force_login(member)
    data = {
        **cell(nodes["leads"], LAST_WEEK, "120"),
        **cell(nodes["leads"], WEEK_BEFORE, "12O"),
        **cell(nodes["leads"], date(2026, 6, 15), "9" * 16),
        **cell(nodes["leads"], date(2026, 6, 8), "55", note="展示会"),
    }
    response = client.post(GRID, data)
    assert response.status_code == 400
    assert not Entry.objects.exists()
    page = response.content.decode()
    assert "<title>Error: " in page
    assert "There are 2 problems with what you entered" in page
    assert "リード数 (w/c 22 Jun): &quot;12O&quot; is not a number." in page
    assert "リード数 (w/c 15 Jun): &quot;9999999999999999&quot; has more than 15 digits." in page
    assert f'href="#v-{cell_key(nodes["leads"].pk, WEEK_BEFORE)}"' in page
    for typed in ('value="120"', 'value="12O"', f'value="{"9" * 16}"', 'value="55"', 'value="展示会"'):
        assert typed in page
    assert page.count('aria-invalid="true"') == 2


def test_the_whole_grid_reports_conflicts_and_saves_none(client, member, nodes, stale):
    client.force_login(member)
    data = {
        **cell(nodes["leads"], LAST_WEEK, "1,300", version=1, orig="1,200"),
        **cell(nodes["leads"], WEEK_BEFORE, "99"),
    }
    response = client.post(GRID, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Not saved: 田中 changed this to 1,250" in page
    assert 'value="1,300"' in page
    assert value_of(nodes["leads"], WEEK_BEFORE) is None
    # Overwrite, as the no-JavaScript button sends it, saves the whole form.
    key = cell_key(nodes["leads"].pk, LAST_WEEK)
    response = client.post(GRID, {**data, "overwrite": f"{key}:2"})
    assert response.status_code == 302
    assert value_of(nodes["leads"], LAST_WEEK) == Decimal("1300")
    assert value_of(nodes["leads"], WEEK_BEFORE) == Decimal("99")


def test_the_whole_grid_skips_cells_someone_else_changed_that_were_not_touched(client, member, nodes, stale):
    client.force_login(member)
    data = {
        **cell(nodes["leads"], LAST_WEEK, "1,200", version=1, orig="1,200"),
        **cell(nodes["leads"], WEEK_BEFORE, "99"),
    }
    assert client.post(GRID, data).status_code == 302
    assert value_of(nodes["leads"], LAST_WEEK) == Decimal("1250")  # 田中's number stays
    assert value_of(nodes["leads"], WEEK_BEFORE) == Decimal("99")


def test_the_whole_grid_refuses_a_cell_the_person_may_not_enter(client, member, nodes):
    client.force_login(member)
    data = {**cell(nodes["leads"], LAST_WEEK, "1"), **cell(nodes["deals"], LAST_WEEK, "2")}
    assert client.post(GRID, data).status_code == 403
    assert not Entry.objects.exists()


# --- fixed query counts ------------------------------------------------------------------------------------------


def _grow(tree, marketing, count):
    leads = tree.nodes.get(code="leads")
    Node.objects.bulk_create(
        Node(tree=tree, parent=leads, code=f"m{i}", name=f"指標{i}", unit="件", department=marketing, position=i)
        for i in range(count)
    )
    nodes = list(tree.nodes.filter(code__startswith="m"))
    Entry.objects.bulk_create(Entry(node=node, week=LAST_WEEK, value=Decimal(i)) for i, node in enumerate(nodes))


@pytest.mark.parametrize("size", [10, 200])
def test_the_grid_page_runs_a_fixed_number_of_queries(
    client, member, tree, marketing, size, django_assert_num_queries
):
    _grow(tree, marketing, size)
    client.force_login(member)
    client.get(GRID)  # warm the session
    # session, user, memberships (access), memberships (navigation), trees, nodes, entries
    # (the formula values come from the same nodes and entries; the totals to date from the cached progress).
    with django_assert_num_queries(7):
        response = client.get(GRID)
    assert response.content.decode().count('class="cell__input"') == (size + 1) * 6


@pytest.mark.parametrize("size", [10, 200])
def test_saving_a_cell_runs_a_fixed_number_of_queries(
    client, member, tree, marketing, size, django_assert_num_queries
):
    _grow(tree, marketing, size)
    node = tree.nodes.get(code="m3")
    client.force_login(member)
    # session, user, the node, memberships, current entries; two savepoints (ours and set_entry's), lock,
    # update, history, the tree's data version, two releases; the tree's nodes and the week's entries for the
    # computed cells; the node's 8 entries before the week (is the saved value unusual?). (An htmx fragment has
    # no navigation, so no memberships query for it.)
    with django_assert_num_queries(16):
        response = client.post(SAVE, cell(node, LAST_WEEK, "5", version=1, orig="3"), headers=HTMX)
    assert 'data-outcome="saved"' in response.content.decode()


def test_the_whole_grid_takes_their_value_when_asked(client, member, nodes, stale):
    client.force_login(member)
    key = cell_key(nodes["leads"].pk, LAST_WEEK)
    data = {
        **cell(nodes["leads"], LAST_WEEK, "1,300", version=1, orig="1,200"),
        **cell(nodes["leads"], WEEK_BEFORE, "99"),
        "theirs": key,  # the no-JavaScript [Use 田中's value] button
    }
    assert client.post(GRID, data).status_code == 302
    assert value_of(nodes["leads"], LAST_WEEK) == Decimal("1250")
    assert value_of(nodes["leads"], WEEK_BEFORE) == Decimal("99")


def test_the_conflict_buttons_work_without_javascript(client, member, nodes, stale):
    client.force_login(member)
    page = client.post(GRID, cell(nodes["leads"], LAST_WEEK, "1,300", version=1, orig="1,200")).content.decode()
    key = cell_key(nodes["leads"].pk, LAST_WEEK)
    # Plain submit buttons of the grid form, so they work without htmx too.
    assert f'<button type="submit" class="button button--outline button--small" name="theirs" value="{key}"' in page
    assert f'<button type="submit" class="button button--small" name="overwrite" value="{key}:2"' in page
    assert 'id="grid-form"' in page and 'method="post"' in page


# --- the whole grid at any size ------------------------------------------------------------------------------


class _Fields(HTMLParser):
    """The fields a browser sends when the grid form is submitted with its "Save all" button."""

    def __init__(self):
        super().__init__()
        self.fields, self.in_form = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == "grid-form"
        elif tag == "input" and self.in_form and attrs.get("name"):
            self.fields.append((attrs["name"], attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False


def _form_of(page):
    parser = _Fields()
    parser.feed(page)
    return parser.fields


def test_the_whole_grid_of_a_large_tree_saves_without_javascript(marketing, member, tree):
    _grow(tree, marketing, 60)
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(member)
    page = client.get(GRID).content.decode()
    fields = _form_of(page)
    assert len(fields) > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS  # 61 rows x 6 weeks x 4 fields, and the token
    m7 = tree.nodes.get(code="m7")
    typed = [(name, "77" if name == f"v-{cell_key(m7.pk, LAST_WEEK)}" else value) for name, value in fields]
    body = urlencode(typed)
    response = client.post(GRID, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    assert value_of(m7, LAST_WEEK) == Decimal("77")
    assert EntryChange.objects.filter(source="grid").count() == 1  # the untouched cells are not written
    assert "Saved 1 number." in client.get(response["Location"]).content.decode()
    # Without its CSRF token the form is refused, as every form is.
    untokened = urlencode([(name, value) for name, value in typed if name != "csrfmiddlewaretoken"])
    response = client.post(GRID, untokened, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 403


def test_the_whole_grid_refuses_more_fields_than_its_grid_can_send(client, member, tree, marketing):
    _grow(tree, marketing, 60)
    client.force_login(member)
    rows = tree.nodes.filter(archived_at__isnull=True).count()
    allowed = FIELDS_PER_CELL * rows * VISIBLE_WEEKS + FORM_FIELDS
    m7 = tree.nodes.get(code="m7")
    typed = list(cell(m7, LAST_WEEK, "1", version=1, orig="7").items())
    body = urlencode(typed + [(f"x{i}", "") for i in range(allowed + 1 - len(typed))])
    response = client.post(GRID, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert value_of(m7, LAST_WEEK) == Decimal(7)
    body = urlencode(typed + [(f"x{i}", "") for i in range(allowed - len(typed))])
    assert client.post(GRID, body, content_type="application/x-www-form-urlencoded").status_code == 302
    assert value_of(m7, LAST_WEEK) == Decimal(1)


def test_names_notes_and_typed_text_are_escaped_in_the_grid(client, member, nodes):
    Node.objects.filter(pk=nodes["leads"].pk).update(name='<b>"リード"</b>', definition="a & b", unit="<件>")
    set_entry(nodes["leads"], LAST_WEEK, Decimal(5), user=member, source="grid", note="<i>'展示会'</i>")
    client.force_login(member)
    page = client.get(GRID).content.decode()
    assert "<b>" not in page and "<i>" not in page and "<件>" not in page
    assert "&lt;b&gt;&quot;リード&quot;&lt;/b&gt;" in page
    assert 'title="&lt;i&gt;&#x27;展示会&#x27;&lt;/i&gt;"' in page
    assert 'title="a &amp; b"' in page and "(&lt;件&gt;)" in page
    key = cell_key(nodes["leads"].pk, WEEK_BEFORE)
    response = client.post(GRID, {**cell(nodes["leads"], WEEK_BEFORE, '"><script>x</script>')})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<script>x" not in page
    assert f'id="v-{key}" name="v-{key}" value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in page
