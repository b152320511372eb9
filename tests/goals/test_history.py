from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from goals import history
from goals.models import ChangeAction, Node
from tests.goals.helpers import one, recorded


def _record(tree, node, user, action, changes):
    """Save `node` (or `tree`) as changed by `user` for `action`, with `changes` as the change to show."""
    instance = node if node is not None else tree
    with history.recorded_as(user, action):
        instance._history_changes = changes
        instance.save()
    return recorded(node=node)[0] if node is not None else history.tree_own_changes(tree)[0]


def test_snapshot_writes_display_ready_strings(tree, owner, sales):
    revenue = tree.nodes.get(code="revenue")
    revenue.owner = owner
    snap = history.snapshot(revenue)
    assert snap["target"] == "120000000"  # no exponent, no trailing zeros
    assert snap["department"] == "営業部"  # related objects by name
    assert snap["owner"] == "田中"  # people by their display name
    assert snap["formula"] == "deals * avg_deal_size"
    assert snap["direction"] == "higher"  # choices keep their value, shown translated by describe()
    assert snap["stretch"] == ""  # nothing is an empty string

    tree_snap = history.snapshot(tree)
    assert tree_snap["period_start"] == "2026-04-01"
    assert tree_snap["department"] == "マーケティング部"


def test_diff_lists_only_changed_fields_as_old_new(tree):
    deals = tree.nodes.get(code="deals")
    before = history.snapshot(deals)
    deals.target = Decimal("250")
    deals.name = "受注数"
    assert history.diff(before, deals) == {"name": ["受注件数", "受注数"], "target": ["240", "250"]}
    assert history.diff(deals, deals) == {}


def test_diff_from_nothing_lists_what_a_new_node_has(tree):
    node = Node(tree=tree, code="mql", name="MQL", unit="件", target=Decimal("600"))
    changes = history.diff({}, node)
    assert changes["code"] == ["", "mql"]
    assert changes["target"] == ["", "600"]
    assert "stretch" not in changes  # empty before and after


def test_record_writes_who_what_and_the_node_code(tree, owner):
    node = tree.nodes.get(code="avg_deal_size")
    with history.recorded_as(owner, ChangeAction.UPDATE):
        node.target = Decimal("550000")
        node.save()
    change = one(recorded(node=node))
    assert change.user == owner
    assert change.node == node
    assert change.node_code == "avg_deal_size"
    assert change.changes == {"target": ["500000", "550000"]}
    # The code survives when the node is deleted.
    node.delete()
    change = one(recorded(tree, action=ChangeAction.UPDATE))
    assert change.node is None and change.node_code == "avg_deal_size"


def test_record_keeps_no_user_for_the_system(tree):
    change = _record(tree, None, AnonymousUser(), ChangeAction.IMPORT, {})
    assert change.user is None and change.node_code == ""


def test_describe_translates_labels_and_choices_and_groups_digits(tree, owner):
    deals = tree.nodes.get(code="deals")
    change = _record(
        tree,
        deals,
        owner,
        ChangeAction.UPDATE,
        {"target": ["1200000", "1250000.5"], "direction": ["higher", "lower"], "parent": ["売上 (revenue)", ""]},
    )
    with translation.override("en"):
        rows = history.describe(change)
    assert ("Target", "1,200,000", "1,250,000.5") in rows
    assert ("Direction", "Higher is better", "Lower is better") in rows
    assert ("Parent", "売上 (revenue)", "") in rows


def test_describe_shows_tree_settings_dates_and_weekdays(tree, owner):
    change = _record(
        tree,
        None,
        owner,
        ChangeAction.UPDATE,
        {"period_end": ["2027-03-31", "2027-09-30"], "week_start": ["0", "6"]},
    )
    with translation.override("en"):
        rows = history.describe(change)
    assert ("Period end", "31 Mar 2027", "30 Sep 2027") in rows
    assert ("Week starts on", "Monday", "Sunday") in rows
    assert date(2027, 3, 31)  # the stored strings stay ISO
    assert change.changes["period_end"][0] == "2027-03-31"


def test_describe_keeps_unknown_keys_readable(tree, owner):
    change = _record(tree, None, owner, ChangeAction.IMPORT, {"file": ["", "tree.json"]})
    assert history.describe(change) == [("file", "", "tree.json")]
