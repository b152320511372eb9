"""goals.outline: the one tree walk (order, depth, archived nodes, nodes cut off from the KGI)."""

from datetime import UTC, datetime
from types import SimpleNamespace

from goals import outline

ARCHIVED = datetime(2026, 5, 1, tzinfo=UTC)


def node(pk, parent=None, position=0, archived=False):
    """A stand-in with the fields the walk reads, so that the rule is checked without the database."""
    return SimpleNamespace(
        pk=pk,
        parent_id=parent,
        position=position,
        archived_at=ARCHIVED if archived else None,
        is_formula=False,
        has_breakdown=False,
        code=f"n{pk}",
        name=f"n{pk}",
        formula="",
        breakdown="",
    )


def walk(nodes, **options):
    return [(n.pk, depth) for n, depth in outline.tree_order(nodes, **options)]


def test_parents_come_first_and_siblings_by_position_then_id():
    nodes = [node(5, 1, position=1), node(1), node(3, 1, position=0), node(2, 1, position=1), node(4, 3)]
    # 1 (KGI) > 3 (position 0) > 4; then 2 and 5 (both position 1: the lower id first)
    assert walk(nodes) == [(1, 0), (3, 1), (4, 2), (2, 1), (5, 1)]


def test_archived_nodes_are_skipped_with_everything_below_them():
    nodes = [node(1), node(2, 1), node(3, 2, archived=True), node(4, 3), node(5, 4)]
    assert walk(nodes) == [(1, 0), (2, 1)]


def test_a_detached_branch_follows_the_kgi_branch_only_when_asked():
    nodes = [node(1), node(2, 1), node(3, 2, archived=True), node(4, 3, position=0), node(5, 4), node(6, 1)]
    assert walk(nodes) == [(1, 0), (2, 1), (6, 1)]
    assert walk(nodes, detached=True) == [(1, 0), (2, 1), (6, 1), (4, 0), (5, 1)]
    assert [n.pk for n in outline.detached_tops(nodes)] == [1, 4]


def test_a_parent_missing_from_the_list_detaches_like_an_archived_one():
    """Callers that load only the active nodes get the same walk as those that load all of them."""
    nodes = [node(1), node(4, 3), node(5, 4)]
    assert walk(nodes) == [(1, 0)]
    assert walk(nodes, detached=True) == [(1, 0), (4, 0), (5, 1)]


def test_below_height_and_the_nodes_archived_together():
    nodes = [node(1), node(2, 1), node(3, 2), node(4, 3), node(5, 1)]
    assert [n.pk for n in outline.below(nodes[1], nodes)] == [3, 4]
    assert outline.height(nodes[1], nodes) == 2 and outline.height(nodes[3], nodes) == 0
    archived = [node(2, 1, archived=True), node(3, 2, archived=True), node(4, 3, archived=True)]
    archived[2].archived_at = datetime(2026, 6, 1, tzinfo=UTC)  # archived later, on its own
    assert [n.pk for n in outline.archived_with(archived[0], archived)] == [3]


def test_the_outline_of_the_tree_page_uses_the_same_walk():
    nodes = [node(1), node(2, 1, position=1), node(3, 1, position=0), node(4, 2, archived=True), node(5, 4)]
    built = outline.build(nodes)
    assert [(n.pk, n.depth) for n in built.nodes] == walk(nodes) == [(1, 0), (3, 1), (2, 1)]
    assert built.kgi.pk == 1 and [k.pk for k in built.kgi.kids] == [3, 2]
    assert built.nodes[1].is_first and built.nodes[2].is_last
    assert [n.pk for n in built.archived] == [4] and built.archived[0].archived_below == 0
