"""Helpers shared by the goals view tests."""

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, user):
    """Sign `user` in on `client`, with pages in English; returns the client."""
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def get_node(tree, code):
    return tree.nodes.get(code=code)
