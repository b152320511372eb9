"""A tree's activity in sentences, newest first: changes of its numbers ("鈴木さんがMQL数の11/23週を44件に変更（38件
から）"), of its structure (goals.activity), comments, questions and answers, and agreements on definitions.
Filterable by department: what concerns the nodes a department owns.

Each kind is read with its own query, at most LIMIT of each before `before`; they are merged by time and cut to
LIMIT, so a page shows the LIMIT newest items and links to the ones before the last.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from goals import activity, history
from goals.formatting import number, week_label
from goals.models import Agreement, Comment, Tree
from metrics.models import EntryChange

LIMIT = 100


@dataclass
class Item:
    when: datetime
    sentences: list
    url: str = ""
    kind: str = ""  # "numbers", "structure", "comment", "question", "answer", "agreement"
    department_id: int | None = None
    body: str = ""
    tree_id: int | None = None


def entry_sentence(change, node):
    """One change of a weekly number in a sentence."""
    values = {
        "who": activity.person(change.user),
        "node": node.name,
        "week": week_label(change.week),
        "old": number(change.old_value, node.unit),
        "new": number(change.new_value, node.unit),
    }
    if change.old_value is None and change.new_value is None:
        return _("%(who)s changed the note of %(node)s for %(week)s") % values
    if change.old_value is None:
        return _("%(who)s entered %(new)s for %(node)s, %(week)s") % values
    if change.new_value is None:
        return _("%(who)s deleted %(old)s of %(node)s for %(week)s") % values
    if change.old_value == change.new_value:
        return _("%(who)s changed the note of %(node)s for %(week)s") % values
    return _("%(who)s changed %(node)s for %(week)s to %(new)s (from %(old)s)") % values


def _node_url(node, anchor=""):
    return reverse("goals:node-detail", args=[node.pk]) + anchor


def _entries(tree, department_id, before):
    """Changes of numbers, one item each; the rows of one import (same person, within a minute) as one item."""
    changes = EntryChange.objects.filter(node__tree=tree).select_related("user", "node")
    if department_id:
        changes = changes.filter(node__department_id=department_id)
    if before:
        changes = changes.filter(created_at__lt=before)
    yield from _entry_runs(changes.order_by("-created_at", "-id")[: LIMIT * IMPORT_RUN])


def _entry_runs(changes):
    run = []
    for change in changes:
        if run and _same_import(run[-1], change):
            run.append(change)
            continue
        if run:
            yield _entry_item(run)
        run = [change]
    if run:
        yield _entry_item(run)


IMPORT_RUN = 20  # how many changes are read per item shown, so that imports still leave LIMIT items


def _same_import(last, change):
    return (
        last.source == change.source == EntryChange.Source.IMPORT
        and last.user_id == change.user_id
        and abs((last.created_at - change.created_at).total_seconds()) < 60
    )


def _entry_item(run):
    first = run[0]
    if len(run) == 1:
        sentence = entry_sentence(first, first.node)
    else:
        nodes = {change.node_id: change.node for change in run}
        values = {
            "who": activity.person(first.user),
            "count": len(run),
            "node": first.node.name,
            "nodes": len(nodes),
        }
        if len(nodes) == 1:
            sentence = _("%(who)s imported %(count)s numbers of %(node)s from a file") % values
        else:
            sentence = _("%(who)s imported %(count)s numbers of %(nodes)s KPIs from a file") % values
    department_ids = {change.node.department_id for change in run}
    return Item(
        first.created_at,
        [sentence],
        _node_url(first.node, f"#entry-history-{first.node_id}"),
        "numbers",
        department_ids.pop() if len(department_ids) == 1 else None,
        tree_id=first.node.tree_id,
    )


def _structure(tree, department_id, before):
    # The tree's own timeline (goals.history), newest first; a page of it is enough for LIMIT items.
    for change in history.with_rows(history.tree_changes(tree)[: LIMIT * 2]):
        if before and change.created_at >= before:
            continue
        node_department = change.node.department_id if change.node is not None else None
        if department_id and node_department != department_id:
            continue
        yield _structure_item(change)


def _structure_item(change):
    node_department = change.node.department_id if change.node is not None else None
    url = _node_url(change.node, "#history-title") if change.node is not None else ""
    record = change.record
    tree_id = getattr(record, "tree_id", None) or (record.id if change.model is Tree else None)
    return Item(change.created_at, activity.sentences(change), url, "structure", node_department, tree_id=tree_id)


def _comments(tree, department_id, before):
    comments = Comment.objects.filter(node__tree=tree, deleted_at__isnull=True).select_related(
        "author", "node", "to_department", "answered_by"
    )
    if department_id:
        comments = comments.filter(node__department_id=department_id) | comments.filter(to_department_id=department_id)
    if before:
        comments = comments.filter(created_at__lt=before)
    for comment in comments.order_by("-created_at", "-id")[:LIMIT]:
        yield from _comment_items(comment, before=before)


def _comment_items(comment, before=None, after=None, not_by=None):
    """The comment as an item, and its answer as another (a question marked answered), within the moments."""
    if (not after or comment.created_at > after) and (not_by is None or comment.author_id != not_by):
        yield _comment_item(comment)
    moment = comment.answered_at if comment.is_question else None
    if not moment or (before and moment >= before) or (after and moment <= after):
        return
    if not_by is None or comment.answered_by_id != not_by:
        answered = {"who": activity.person(comment.answered_by), "node": comment.node.name}
        yield Item(
            moment,
            [_("%(who)s marked the question about %(node)s answered") % answered],
            _node_url(comment.node, f"#comment-{comment.pk}"),
            "answer",
            comment.node.department_id,
            tree_id=comment.node.tree_id,
        )


def _comment_item(comment):
    values = {"who": activity.person(comment.author), "node": comment.node.name}
    if comment.is_question:
        values["department"] = comment.to_department.name
        text = _("%(who)s asked %(department)s about %(node)s") % values
        kind = "question"
    elif comment.parent_id:
        text = _("%(who)s replied on %(node)s") % values
        kind = "comment"
    else:
        text = _("%(who)s commented on %(node)s") % values
        kind = "comment"
    url = _node_url(comment.node, f"#comment-{comment.pk}")
    return Item(comment.created_at, [text], url, kind, comment.node.department_id, comment.body, comment.node.tree_id)


def _agreements(tree, department_id, before):
    agreements = Agreement.objects.filter(node__tree=tree).select_related("user", "node", "department")
    if department_id:
        agreements = agreements.filter(department_id=department_id)
    if before:
        agreements = agreements.filter(agreed_at__lt=before)
    for agreement in agreements.order_by("-agreed_at")[:LIMIT]:
        yield _agreement_item(agreement)


def _agreement_item(agreement):
    values = {
        "who": activity.person(agreement.user),
        "node": agreement.node.name,
        "department": agreement.department.name,
    }
    return Item(
        agreement.agreed_at,
        [_("%(who)s agreed on the definition of %(node)s for %(department)s") % values],
        _node_url(agreement.node, "#agreement"),
        "agreement",
        agreement.department_id,
        tree_id=agreement.node.tree_id,
    )


def feed(tree, department_id=None, before=None):
    """(items, more): the LIMIT newest items before `before` (all when None), and whether there are older."""
    items = [
        *_entries(tree, department_id, before),
        *_structure(tree, department_id, before),
        *_comments(tree, department_id, before),
        *_agreements(tree, department_id, before),
    ]
    items.sort(key=lambda item: item.when, reverse=True)
    return items[:LIMIT], len(items) > LIMIT


SINCE_LIMIT = 10


def since(tree_ids, after, user, limit=SINCE_LIMIT):
    """(items, more): the `limit` newest changes of the trees `tree_ids` after the moment `after`, made by others
    than `user` (home's "since your last visit"), and whether there are more. A fixed number of queries whatever
    the number of trees: a few for each kind, each cut to what `limit` items need."""
    if not tree_ids:
        return [], False
    entries = (
        EntryChange.objects.filter(node__tree__in=tree_ids, created_at__gt=after)
        .exclude(user=user)
        .select_related("user", "node")
        .order_by("-created_at", "-id")
    )
    structure = history.TreeTimeline(tree_ids=tree_ids, after=after, not_by=user.pk)[: limit + 1]
    comments = (
        Comment.objects.filter(node__tree__in=tree_ids, deleted_at__isnull=True)
        .filter(Q(created_at__gt=after) & ~Q(author=user) | Q(answered_at__gt=after) & ~Q(answered_by=user))
        .select_related("author", "node", "to_department", "answered_by")
        .order_by("-created_at", "-id")
    )
    agreements = (
        Agreement.objects.filter(node__tree__in=tree_ids, agreed_at__gt=after)
        .exclude(user=user)
        .select_related("user", "node", "department")
        .order_by("-agreed_at")
    )
    mine = user.pk
    items = [
        *_entry_runs(entries[: (limit + 1) * IMPORT_RUN]),
        *(_structure_item(change) for change in history.with_rows(structure)),
        *(item for comment in comments[: (limit + 1) * 2] for item in _comment_items(comment, None, after, mine)),
        *(_agreement_item(agreement) for agreement in agreements[: limit + 1]),
    ]
    items.sort(key=lambda item: item.when, reverse=True)
    return items[:limit], len(items) > limit
