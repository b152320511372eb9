"""Changes of trees, nodes and initiatives in sentences, in the reader's language: "田中さんが受注件数の目標を260に変更
（240から）" rather than a table of fields. English keeps the values side by side: "Tanaka changed the target of
受注件数: 240 → 260".

Reads what goals.history records (goals.history.Change with its display-ready `.rows`); adds no query.
"""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from goals.models import ChangeAction, Initiative, Node, Tree, display_name


def person(user):
    """Who did it, as a sentence starts: 田中さん / Tanaka; the system when nobody is recorded."""
    if user is None:
        return _("The system")
    return pgettext("the person who did something, as a sentence starts", "%(name)s") % {"name": display_name(user)}


def _subject(change):
    if change.model is Tree:
        return _("the tree")
    if change.model is Initiative:
        return ""
    if change.node is not None:
        return change.node.name
    return change.node_code


def field_sentence(who, subject, label, old, new):
    """One field's change in a sentence."""
    values = {"who": who, "node": subject, "field": label[:1].lower() + label[1:], "old": old, "new": new}
    if not old:
        return _("%(who)s set %(field)s of %(node)s to %(new)s") % values
    if not new:
        return _("%(who)s cleared %(field)s of %(node)s (it was %(old)s)") % values
    return _("%(who)s changed %(field)s of %(node)s: %(old)s → %(new)s") % values


_ACTIONS = {
    ChangeAction.CREATE: lambda: _("%(who)s added %(node)s"),
    ChangeAction.MOVE: lambda: _("%(who)s moved %(node)s"),
    ChangeAction.REORDER: lambda: _("%(who)s changed the order of %(node)s"),
    ChangeAction.ARCHIVE: lambda: _("%(who)s archived %(node)s"),
    ChangeAction.RESTORE: lambda: _("%(who)s restored %(node)s"),
    ChangeAction.DELETE: lambda: _("%(who)s deleted %(node)s"),
    ChangeAction.IMPORT: lambda: _("%(who)s imported %(node)s from a tree file"),
}


def sentences(change):
    """The change as one or more sentences (one per field changed by an edit)."""
    who = person(change.user)
    subject = _subject(change)
    if change.model is Initiative:
        return [_initiative_sentence(change, who)]
    rows = change.rows
    if change.action == ChangeAction.MOVE:
        parent = next((new for label, old, new in rows if label == _parent_label()), "")
        if parent:
            return [_("%(who)s moved %(node)s under %(parent)s") % {"who": who, "node": subject, "parent": parent}]
    created = all(not old for _label, old, _new in rows)
    edited = change.action == ChangeAction.UPDATE or (change.action == ChangeAction.IMPORT and not created)
    if edited and rows:
        return [field_sentence(who, subject, label, old, new) for label, old, new in rows]
    template = _ACTIONS.get(change.action)
    if template is None:
        return [field_sentence(who, subject, label, old, new) for label, old, new in rows] or [
            _("%(who)s changed %(node)s") % {"who": who, "node": subject}
        ]
    return [template() % {"who": who, "node": subject}]


def _parent_label():
    return str(Node._meta.get_field("parent").verbose_name).capitalize()


def _initiative_sentence(change, who):
    before, after = (list(change.changes.get("initiative") or ["", ""]) + ["", ""])[:2]
    if change.action == ChangeAction.DELETE or not after:
        return _("%(who)s deleted the initiative %(initiative)s") % {"who": who, "initiative": before}
    if change.action == ChangeAction.CREATE or not before:
        return _("%(who)s added the initiative %(initiative)s") % {"who": who, "initiative": after}
    return _("%(who)s changed the initiative: %(old)s → %(new)s") % {"who": who, "old": before, "new": after}
