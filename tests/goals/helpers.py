"""Helpers shared by the goals view tests."""

from goals.formatting import plain
from goals.formulas import rules

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, user):
    """Sign `user` in on `client`, with pages in English; returns the client."""
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def get_node(tree, code):
    return tree.nodes.get(code=code)


def recorded(tree=None, node=None, **match):
    """The recorded changes (goals.history.Change), newest first: of `node`, of `tree` (its nodes and initiatives
    too) or of every tree, those whose attributes equal `match` (action="update", user=owner, node_code="leads")."""
    from goals import history
    from goals.models import Tree

    if node is not None:
        changes = history.node_changes(node, limit=None)
    else:
        trees = [tree] if tree is not None else list(Tree.objects.all())
        changes = [change for each in trees for change in history.tree_changes(each)[:100_000]]
    return [change for change in changes if all(getattr(change, key) == value for key, value in match.items())]


def one(changes):
    """The only item of `changes` (a test fails when there are none or several)."""
    assert len(changes) == 1, changes
    return changes[0]


def node_form_data(node, **overrides):
    """The node form as the edit page fills it for `node` (formulas shown with names), with `overrides`."""
    data = {
        "code": node.code,
        "name": node.name,
        "definition": node.definition,
        "unit": node.unit,
        "direction": node.direction,
        "department": node.department_id or "",
        "owner": node.owner_id or "",
        "aggregation": node.aggregation,
        "formula": rules.to_names(node.formula, dict(node.tree.nodes.active().values_list("code", "name"))),
        "breakdown": rules.to_names(node.breakdown, dict(node.tree.nodes.active().values_list("code", "name"))),
        "target": plain(node.target) if node.target is not None else "",
        "stretch": plain(node.stretch) if node.stretch is not None else "",
        "baseline": plain(node.baseline) if node.baseline is not None else "",
        "frequency": node.frequency,
        "version": str(node.version),
    }
    data.update(overrides)
    return data
