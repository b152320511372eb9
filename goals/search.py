"""Search from the header: trees, KPIs, comments and initiatives that match what a person typed, among what they
may see (goals.access: a guest only their trees' things; everyone else everything).

How text matches (docs/ui.md "Search"):
- The query is cut into words at spaces (the full-width space too), at most MAX_TERMS of them; a result holds
  every word, in any of its fields, as a substring, case ignored (`icontains`: Japanese has no word breaks, so
  「受注」 finds 受注件数). `%` and `_` are plain characters (Django escapes them in LIKE).
- On PostgreSQL, full-text search (django.contrib.postgres SearchVector / SearchQuery, the `english`
  configuration: "lead" finds "leads") also counts, and ranks the results; Japanese keeps matching by substring.
  On SQLite, substrings only, ordered by name.
- Archived KPIs, comments on them and deleted comments are not found.
- Each kind shows at most LIMIT results; the page says when there are more and asks for more words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q

from goals.access import access_for
from goals.models import Comment, Initiative, Node

MAX_QUERY_LENGTH = 200
MAX_TERMS = 10
LIMIT = 20
CONFIG = "english"
_SPACES = re.compile(r"[\s\u3000]+")


@dataclass
class Kind:
    items: list = field(default_factory=list)
    more: bool = False  # more than LIMIT matched


@dataclass
class Results:
    query: str
    trees: Kind = field(default_factory=Kind)
    nodes: Kind = field(default_factory=Kind)
    comments: Kind = field(default_factory=Kind)
    initiatives: Kind = field(default_factory=Kind)

    @property
    def count(self):
        return sum(len(kind.items) for kind in (self.trees, self.nodes, self.comments, self.initiatives))


def terms(query: str) -> list[str]:
    """The words of the query, at most MAX_TERMS."""
    return [term for term in _SPACES.split(query.strip()) if term][:MAX_TERMS]


def _full_text():
    return connection.vendor == "postgresql"


def _matching(queryset, fields, query, words):
    """`queryset` narrowed to the rows whose `fields` hold every word (and, on PostgreSQL, the full-text
    matches), ranked on PostgreSQL."""
    substrings = reduce(and_, (reduce(or_, (Q(**{f"{name}__icontains": word}) for name in fields)) for word in words))
    if not _full_text():
        return queryset.filter(substrings)
    document = SearchVector(*fields, config=CONFIG)
    search_query = SearchQuery(query, search_type="websearch", config=CONFIG)
    queryset = queryset.annotate(search_document=document, search_rank=SearchRank(document, search_query))
    return queryset.filter(substrings | Q(search_document=search_query)).order_by(
        F("search_rank").desc(nulls_last=True)
    )


def _kind(queryset, *ordering):
    rows = list(queryset.order_by(*queryset.query.order_by, *ordering)[: LIMIT + 1])
    return Kind(items=rows[:LIMIT], more=len(rows) > LIMIT)


def search(user, query: str) -> Results:
    """What `user` may see that matches `query` (already checked: at most MAX_QUERY_LENGTH, clean text)."""
    words = terms(query)
    results = Results(query=query)
    if not words:
        return results
    query = " ".join(words)
    access = access_for(user)
    trees = access.visible_trees()
    tree_ids = None if not access.is_guest else access.guest_tree_ids
    nodes = Node.objects.active().select_related("tree", "department")
    comments = Comment.objects.filter(deleted_at__isnull=True, node__archived_at__isnull=True).select_related(
        "node", "node__tree", "author"
    )
    initiatives = Initiative.objects.select_related("tree")
    if tree_ids is not None:
        nodes = nodes.filter(tree_id__in=tree_ids)
        comments = comments.filter(node__tree_id__in=tree_ids)
        initiatives = initiatives.filter(tree_id__in=tree_ids)
    results.trees = _kind(_matching(trees.select_related("department"), ("name", "code"), query, words), "name")
    results.nodes = _kind(_matching(nodes, ("name", "code", "definition"), query, words), "name", "id")
    results.comments = _kind(_matching(comments, ("body",), query, words), "-created_at", "-id")
    results.initiatives = _kind(_matching(initiatives, ("title", "description"), query, words), "title", "id")
    return results
