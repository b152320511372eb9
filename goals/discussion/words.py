"""Notices in words: one sentence per notice, in the reader's language (the inbox, emails)."""

from django.utils.translation import gettext as _

from goals.models import Notice, display_name

Kind = Notice.Kind


def sentence(notice):
    """What happened, in one sentence of the reader's language ("佐藤さんがマーケティング部に質問しました")."""
    values = {
        "person": display_name(notice.actor) if notice.actor_id else _("Someone"),
        "node": notice.node.name,
        "department": notice.department.name if notice.department_id else "",
    }
    kind = notice.kind
    if kind == Kind.MENTION:
        return _("%(person)s mentioned you on %(node)s.") % values
    if kind == Kind.DEPARTMENT_MENTION:
        return _("%(person)s mentioned %(department)s on %(node)s.") % values
    if kind == Kind.QUESTION:
        return _("%(person)s asked %(department)s a question about %(node)s.") % values
    if kind == Kind.REPLY:
        return _("%(person)s replied on %(node)s.") % values
    if kind == Kind.ANSWERED:
        return _("%(person)s marked your question about %(node)s answered.") % values
    if kind == Kind.DEFINITION_CHANGED:
        return (
            _(
                "%(person)s changed the definition of %(node)s. The departments' agreement on it was cleared: "
                "read it again and agree."
            )
            % values
        )
    return _("%(person)s commented on %(node)s, a KPI of %(department)s.") % values
