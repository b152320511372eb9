"""Recording changes to trees and nodes (ChangeRecord), and reading them back for pages.

Anyone who changes a tree or a node calls :func:`record` in the same transaction, usually with
:func:`diff` of two :func:`snapshot` dicts::

    before = history.snapshot(node)
    ...change and save node...
    history.record(node.tree, node, request.user, ChangeRecord.Action.UPDATE, history.diff(before, node))

`changes` maps a field name to `[old, new]`, both strings that read without the database:
related objects by name (a department's name, a person's display name, a node as "name (code)"),
decimals without exponent or trailing zeros (`120000000`), dates as ISO (`2026-04-01`), an empty
string for nothing. Choice fields keep their stored value (`higher`, `0` for Monday) so that
:func:`describe` shows them in the reader's language; it also groups digits and writes dates for
the page.
"""

from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _

from goals import formatting
from goals.models import ChangeRecord, Node, Tree, display_name

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


def node_label(node):
    """A node as history names it: 売上 (revenue)."""
    return f"{node.name} ({node.code})" if node is not None else ""


def value_text(instance, field_name):
    """The display-ready string of one field of a tree or node, as stored in ChangeRecord.changes."""
    field = instance._meta.get_field(field_name)
    if field.is_relation:
        related = getattr(instance, field_name)
        if related is None:
            return ""
        if isinstance(related, get_user_model()):
            return display_name(related)
        if isinstance(related, Node):
            return node_label(related)
        return str(related)
    return _plain_text(getattr(instance, field.attname))


def _plain_text(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return formatting.plain(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
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


def record(tree, node, user, action, changes=None):
    """Write one ChangeRecord: who (None for the system), what, and {field: [old, new]}."""
    return ChangeRecord.objects.create(
        tree=tree,
        node=node,
        node_code=node.code if node is not None else "",
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        changes=changes or {},
    )


def describe(change):
    """The rows of a ChangeRecord for a page: [(label, old, new)], in the reader's language."""
    model = Node if (change.node_id or change.node_code) else Tree
    rows = []
    for name, values in (change.changes or {}).items():
        old, new = (list(values) + ["", ""])[:2] if isinstance(values, list | tuple) else ("", values)
        rows.append((_label(model, name), _shown(model, name, old), _shown(model, name, new)))
    return rows


def with_rows(changes):
    """Attach `.rows` (see :func:`describe`) to each record, for templates."""
    changes = list(changes)
    for change in changes:
        change.rows = describe(change)
    return changes


def updates_since(changes, stored_version, form_version):
    """For a save refused over someone else's: the update records among `changes` that others saved since the
    form's version (one per version step, at most 10), newest first, with `.rows`."""
    steps = min(max(stored_version - (form_version or 0), 1), 10)
    updates = changes.filter(action=ChangeRecord.Action.UPDATE).select_related("user").order_by("-created_at", "-id")
    return with_rows(updates[:steps])


_EXTRA_LABELS = {
    "nodes": lambda: _("Nodes"),
    "subtree": lambda: _("Nodes below"),
    "entries": lambda: _("Entries"),
    "initiative": lambda: _("Initiative"),  # goals/views/initiatives.py: the initiative in one line
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
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    if field.choices:
        labels = {str(key): label for key, label in field.flatchoices}
        return str(labels.get(value, value))
    internal = field.get_internal_type()
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
