"""Helpers shared by the goals view tests."""

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
