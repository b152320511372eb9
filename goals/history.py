"""The history of trees, nodes and initiatives: recorded by django-simple-history, read back for pages.

Every save and delete of a Tree, Node or Initiative writes a history row (HistoricalTree, HistoricalNode,
HistoricalInitiative): the whole row as it became, who (`history_user`), why (`history_change_reason`: a
goals.models.ChangeAction such as `move`) and `history_changes`, the change as pages show it:
{field: [old, new]}, both strings that read without the database (see :func:`value_text`). Bulk changes
save row by row so that nothing escapes the history.

Recording, for code that changes trees and nodes:
- `Node.save_versioned(user, changes, expected_version)` / `Tree.save_versioned(...)`: the edit forms' save.
- :func:`recorded_as` ``(user, action)``: a context in which every save is recorded as done by `user` for
  `action` (``with history.recorded_as(user, ChangeAction.IMPORT): ...`` for a tree-file import). Creations
  are `create` unless the action says otherwise; deletions are always `delete`.
- An operation that says the change better than a diff of the fields (a reorder's place among siblings, an
  archive's branch) sets `instance._history_changes` before saving; otherwise the fields listed in
  NODE_FIELDS/TREE_FIELDS (and a node's parent, weights and archiving) are compared with the previous row.

Reading, for pages: :func:`node_changes`, :func:`tree_changes` (paginated) and :func:`updates_since` give
:class:`Change` objects with `.rows` in the reader's language (:func:`describe`). Changes recorded before
field history began (goals.models.LegacyChange) are listed after the newer ones, as they were.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, IntegerField, Value
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.signals import pre_create_historical_record

from goals import formatting
from goals.models import ChangeAction, Initiative, LegacyChange, Node, Tree, display_name

NODE_FIELDS = (
    "code",
    "name",
    "definition",
    "unit",
    "direction",
    "department",
    "owner",
    "aggregation",
    "formula",
    "breakdown",
    "target",
    "stretch",
    "baseline",
    "frequency",
)
TREE_FIELDS = (
    "code",
    "name",
    "department",
    "period_start",
    "period_end",
    "week_start",
    "warning_threshold",
    "max_depth",
)
# What a node's history compares besides the fields of its form: moves, seasonality and archiving.
NODE_HISTORY_FIELDS = (*NODE_FIELDS, "parent", "weights", "archived_at")

HistoricalTree = Tree.history.model
HistoricalNode = Node.history.model
HistoricalInitiative = Initiative.history.model

_recording = ContextVar("goals_history_recording", default=None)


# --- recording ---------------------------------------------------------------------------------------------


@contextmanager
def recorded_as(user, action):
    """Record every save inside as done by `user` (None or anonymous: the system) for `action` (ChangeAction)."""
    token = _recording.set((user if user is not None and user.is_authenticated else None, action))
    try:
        yield
    finally:
        _recording.reset(token)


@receiver(pre_create_historical_record)
def _fill_history_row(sender, instance, history_instance, **kwargs):
    """Who, why and what changed, on each history row of a tree, node or initiative as it is written."""
    if sender not in (HistoricalTree, HistoricalNode, HistoricalInitiative):
        return
    context = _recording.get()
    user, action = context if context is not None else (None, None)
    if history_instance.history_user_id is None and user is not None:
        history_instance.history_user = user
    kind = history_instance.history_type
    reason = history_instance.history_change_reason
    if kind == "-":
        reason = ChangeAction.DELETE
    elif not reason:
        reason = action or (ChangeAction.CREATE if kind == "+" else ChangeAction.UPDATE)
    history_instance.history_change_reason = reason
    changes = getattr(instance, "_history_changes", None)
    if changes is None and reason == ChangeAction.BASELINE and not isinstance(instance, Initiative):
        changes = {}  # a starting point, not a change (an initiative's keeps its summary: the next change's "before")
    if changes is None:
        changes = _changes(sender, instance, kind)
    history_instance.history_changes = changes


def _changes(history_model, instance, kind):
    if isinstance(instance, Initiative):
        previous = _previous(history_model, instance) if kind != "+" else None
        before = _summary_of(previous)
        changes = {"initiative": [before, "" if kind == "-" else initiative_summary(instance)]}
        if kind == "~" and previous is not None:
            # What the one-line summary leaves out.
            for name in ("description", "owner"):
                model_field = instance._meta.get_field(name)
                old, new = getattr(previous, model_field.attname), getattr(instance, model_field.attname)
                if old != new:
                    changes[name] = [_raw_text(model_field, old), _raw_text(model_field, new)]
        return changes
    if kind == "-":
        return {}
    fields = NODE_HISTORY_FIELDS if isinstance(instance, Node) else TREE_FIELDS
    previous = _previous(history_model, instance) if kind != "+" else None
    changes = {}
    for name in fields:
        model_field = instance._meta.get_field(name)
        new_raw = getattr(instance, model_field.attname)
        old_raw = getattr(previous, model_field.attname) if previous is not None else None
        if previous is not None and old_raw == new_raw:
            continue
        old = _raw_text(model_field, old_raw) if previous is not None else ""
        new = value_text(instance, name)
        if old != new:
            changes[name] = [old, new]
    return changes


def _raw_text(model_field, raw):
    """value_text of a stored value (a related object's id for a relation)."""
    if model_field.is_relation:
        if raw is None:
            return ""
        related = model_field.related_model._base_manager.filter(pk=raw).first()
        return _related_text(related)
    return _plain_text(raw)


def _previous(history_model, instance):
    """The last history row of `instance` before the one being written."""
    return history_model.objects.filter(id=instance.pk).order_by("-history_date", "-history_id").first()


def _summary_of(initiative_row):
    """The one-line summary an initiative's history row ended with ("" for none)."""
    if initiative_row is None:
        return ""
    values = (initiative_row.history_changes or {}).get("initiative") or ["", ""]
    return values[1] if len(values) > 1 else ""


def initiative_summary(initiative):
    """The initiative in one line for the tree's history, readable in any language: title, dates, cost, KPIs."""
    end = initiative.end_date.isoformat() if initiative.end_date else ""
    parts = [f"{initiative.start_date.isoformat()}–{end}"]
    if initiative.cost is not None:
        parts.append(formatting.plain(initiative.cost))
    codes = sorted(node.code for node in initiative.nodes.all()) if initiative.pk is not None else []
    parts.append(", ".join(codes))
    return f"{initiative.title} ({'; '.join(parts)})"


# --- display-ready values ------------------------------------------------------------------------------------


def node_label(node):
    """A node as history names it: 売上 (revenue)."""
    return f"{node.name} ({node.code})" if node is not None else ""


def value_text(instance, field_name):
    """The display-ready string of one field of a tree or node, as history keeps it: related objects by name (a
    department's name, a person's display name, a node as "name (code)"), decimals without exponent or trailing
    zeros (`120000000`), dates as ISO (`2026-04-01`), weights as `1, 1.5`, an empty string for nothing. Choice
    fields keep their stored value (`higher`, `0` for Monday), shown in the reader's language by :func:`describe`.
    """
    model_field = instance._meta.get_field(field_name)
    if model_field.is_relation:
        return _related_text(getattr(instance, field_name))
    return _plain_text(getattr(instance, model_field.attname))


def _related_text(related):
    if related is None:
        return ""
    if isinstance(related, get_user_model()):
        return display_name(related)
    if isinstance(related, Node):
        return node_label(related)
    return str(related)


def _plain_text(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return formatting.plain(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def default_fields(instance):
    return TREE_FIELDS if isinstance(instance, Tree) else NODE_FIELDS


def snapshot(instance, fields=None):
    """{field: display-ready string} of a tree or node, to compare with after a change."""
    return {name: value_text(instance, name) for name in fields or default_fields(instance)}


def diff(before, after, fields=None):
    """{field: [old, new]} for the fields that differ; `before`/`after` are instances or snapshots."""
    if not isinstance(after, dict):
        after = snapshot(after, fields)
    if not isinstance(before, dict):
        before = snapshot(before, fields or list(after))
    names = fields or list(after) or list(before)
    return {
        name: [before.get(name, ""), after.get(name, "")]
        for name in names
        if before.get(name, "") != after.get(name, "")
    }


# --- reading -------------------------------------------------------------------------------------------------


@dataclass
class Change:
    """One recorded change as pages list it: when, who, what (`action`), on which node, and {field: [old, new]}."""

    created_at: datetime
    user: object  # a User, or None for the system or a person since removed
    action: str  # a ChangeAction value
    changes: dict
    model: type  # Tree, Node or Initiative: whose fields `changes` names
    node: Node | None = None  # the node changed, while it exists
    node_code: str = ""  # the node's code, kept when the node is deleted
    version: int | None = None  # the version the change made (None for changes before field history)
    record: object = field(default=None, repr=False)  # the history row (or LegacyChange)

    @property
    def node_id(self):
        return self.node.pk if self.node is not None else None

    def get_action_display(self):
        return str(ChangeAction(self.action).label) if self.action in ChangeAction.values else self.action

    @cached_property
    def rows(self):
        return describe(self)


def describe(change):
    """The rows of a change for a page: [(label, old, new)], in the reader's language."""
    rows = []
    for name, values in (change.changes or {}).items():
        old, new = (list(values) + ["", ""])[:2] if isinstance(values, list | tuple) else ("", values)
        rows.append((_label(change.model, name), _shown(change.model, name, old), _shown(change.model, name, new)))
    return rows


def with_rows(changes):
    """The changes as a list, each with its `.rows` worked out (see :func:`describe`)."""
    changes = list(changes)
    for change in changes:
        change.rows  # noqa: B018 -- worked out once, here, rather than while the template renders
    return changes


def _visible(rows):
    return rows.exclude(history_change_reason=ChangeAction.BASELINE)


def _from_row(row, model, nodes=None):
    if model is Node:
        node = (nodes or {}).get(row.id)
        code = row.code
    else:
        node, code = None, ""
    return Change(
        created_at=row.history_date,
        user=row.history_user,
        action=row.history_change_reason or "",
        changes=row.history_changes or {},
        model=model,
        node=node,
        node_code=code,
        version=getattr(row, "version", None),
        record=row,
    )


def _from_legacy(row):
    model = Node if (row.node_id or row.node_code) else Tree
    return Change(
        created_at=row.created_at,
        user=row.user,
        action=row.action,
        changes=row.changes or {},
        model=model,
        node=row.node,
        node_code=row.node_code,
        record=row,
    )


def node_changes(node, limit=100):
    """The node's changes, newest first (at most `limit`; None for all)."""
    rows = _visible(HistoricalNode.objects.filter(id=node.pk)).select_related("history_user")
    rows = rows.order_by("-history_date", "-history_id")
    legacy = LegacyChange.objects.filter(node=node).select_related("user").order_by("-created_at", "-id")
    if limit is not None:
        rows, legacy = rows[:limit], legacy[:limit]
    changes = [_from_row(row, Node, {node.pk: node}) for row in rows]
    changes += [_from_legacy(row) for row in legacy]
    for change in changes:
        if change.node is not None:
            change.node = node
    changes.sort(key=lambda change: change.created_at, reverse=True)
    return changes[:limit] if limit is not None else changes


def tree_own_changes(tree, limit=100):
    """The changes of the tree's settings (not of its nodes or initiatives), newest first."""
    rows = _visible(HistoricalTree.objects.filter(id=tree.pk)).select_related("history_user")
    rows = rows.order_by("-history_date", "-history_id")
    if limit is not None:
        rows = rows[:limit]
    return [_from_row(row, Tree) for row in rows]


_TREE, _NODE, _INITIATIVE, _LEGACY = 1, 2, 3, 4


class TreeTimeline:
    """Every change of a tree, its nodes and its initiatives, newest first, as a sequence a Paginator pages through
    in a fixed number of queries per page (the keys of one page, then the rows of each kind)."""

    def __init__(self, tree=None, *, tree_ids=None, after=None, not_by=None):
        """One tree's timeline, or (`tree_ids`) several trees' together; only the changes made after the moment
        `after` and by someone other than the user id `not_by`, when given (home's "since your last visit")."""
        self.tree = tree
        self.tree_ids = [tree.pk] if tree is not None else list(tree_ids or [])
        self.after = after
        self.not_by = not_by

    def _keys(self):
        def keyed(rows, kind, at="history_date", key="history_id", user="history_user"):
            if self.after is not None:
                rows = rows.filter(**{f"{at}__gt": self.after})
            if self.not_by is not None:
                rows = rows.exclude(**{user: self.not_by})
            return (
                rows.order_by()
                .annotate(at=F(at), kind=Value(kind, output_field=IntegerField()), key=F(key))
                .values_list("at", "kind", "key")
            )

        ids = self.tree_ids
        parts = [
            keyed(_visible(HistoricalTree.objects.filter(id__in=ids)), _TREE),
            keyed(_visible(HistoricalNode.objects.filter(tree_id__in=ids)), _NODE),
            keyed(_visible(HistoricalInitiative.objects.filter(tree_id__in=ids)), _INITIATIVE),
            keyed(LegacyChange.objects.filter(tree_id__in=ids), _LEGACY, at="created_at", key="id", user="user"),
        ]
        return parts[0].union(*parts[1:], all=True)

    def count(self):
        return self._keys().count()

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        keys = list(self._keys().order_by("-at", "-kind", "-key")[index])
        wanted = {}
        for _at, kind, key in keys:
            wanted.setdefault(kind, []).append(key)
        found = {}
        if _TREE in wanted:
            for row in HistoricalTree.objects.filter(history_id__in=wanted[_TREE]).select_related("history_user"):
                found[(_TREE, row.history_id)] = _from_row(row, Tree)
        if _NODE in wanted:
            rows = list(HistoricalNode.objects.filter(history_id__in=wanted[_NODE]).select_related("history_user"))
            nodes = Node.objects.in_bulk({row.id for row in rows})
            for row in rows:
                found[(_NODE, row.history_id)] = _from_row(row, Node, nodes)
        if _INITIATIVE in wanted:
            rows = HistoricalInitiative.objects.filter(history_id__in=wanted[_INITIATIVE]).select_related(
                "history_user"
            )
            for row in rows:
                found[(_INITIATIVE, row.history_id)] = _from_row(row, Initiative)
        if _LEGACY in wanted:
            for row in LegacyChange.objects.filter(id__in=wanted[_LEGACY]).select_related("user", "node"):
                found[(_LEGACY, row.id)] = _from_legacy(row)
        return [found[(kind, key)] for _at, kind, key in keys if (kind, key) in found]


def tree_changes(tree):
    """Every change of the tree, its nodes and its initiatives, newest first: a sequence for a Paginator."""
    return TreeTimeline(tree)


def updates_since(instance, form_version):
    """For a save refused over someone else's: the saves of others that made the versions after the form's
    (at most 10), newest first, with `.rows`."""
    model = type(instance)
    history_model = HistoricalNode if model is Node else HistoricalTree
    rows = (
        history_model.objects.filter(id=instance.pk, version__gt=form_version or 0)
        .exclude(history_change_reason=ChangeAction.BASELINE)
        .exclude(history_type="+")
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:10]
    )
    return with_rows(_from_row(row, model, {instance.pk: instance}) for row in rows)


# --- words ---------------------------------------------------------------------------------------------------

_EXTRA_LABELS = {
    "nodes": lambda: _("Nodes"),
    "subtree": lambda: _("Nodes below"),
    "entries": lambda: _("Entries"),
    "initiative": lambda: _("Initiative"),  # an initiative in one line (initiative_summary)
}


def _label(model, name):
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()
    except FieldDoesNotExist:
        extra = _EXTRA_LABELS.get(name)
        return extra() if extra else name


def _shown(model, name, value):
    if value is None or value == "":
        return ""
    value = str(value)
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    if model_field.choices:
        labels = {str(key): label for key, label in model_field.flatchoices}
        return str(labels.get(value, value))
    internal = model_field.get_internal_type()
    if internal == "DecimalField":
        try:
            return formatting.grouped(Decimal(value))
        except ArithmeticError:
            return value
    if internal == "DateField":
        try:
            return formatting.date_label(date.fromisoformat(value))
        except ValueError:
            return value
    if internal == "DateTimeField":
        try:
            moment = timezone.localtime(datetime.fromisoformat(value))
        except ValueError:
            return value
        return f"{formatting.date_label(moment.date())} {moment:%H:%M}"
    return value
