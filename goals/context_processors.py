from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from goals.access import navigation_facts
from goals.models import display_name

NAVIGATION = [
    ("home", _("Home")),
    ("goals:tree-list", _("Trees")),
    ("metrics:grid", _("Enter numbers")),
    ("goals:inbox", _("Inbox")),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        return {}  # fragments have no navigation: spare the query
    current = getattr(request, "resolver_match", None)
    current_name = current.view_name if current else ""
    departments, is_guest, unread = navigation_facts(user)
    items = [
        {
            "url": reverse(name),
            "label": label,
            "current": current_name == name or _section_of(current_name) == name,
            "count": unread if name == "goals:inbox" else 0,  # the unread notices
        }
        for name, label in NAVIGATION
        if not (is_guest and name == "metrics:grid")  # guests enter no numbers
    ]
    return {
        "nav_items": items,
        "user_display_name": display_name(user),
        "user_departments": departments,
        "user_is_guest": is_guest,
    }


def _section_of(view_name):
    if view_name.startswith(("goals:inbox", "goals:notice-settings")):
        return "goals:inbox"
    if view_name.startswith(("goals:people", "goals:person", "goals:invit", "goals:membership", "goals:start")) or (
        view_name
        in ("goals:create-department", "goals:rename-department", "goals:set-membership", "goals:delete-membership")
    ):
        return None  # the pages of people and the setup checklist are not under Trees
    if view_name == "goals:search":
        return None  # search is not under Trees either
    if view_name.startswith(("metrics:grid", "metrics:due", "metrics:save")):
        return "metrics:grid"
    if view_name.startswith(("goals:", "metrics:tree-copy")):
        return "goals:tree-list"
    return None
