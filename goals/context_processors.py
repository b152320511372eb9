from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from goals.models import display_name

NAVIGATION = [
    ("home", _("Dashboard")),
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
    items = []
    for name, label in NAVIGATION:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        section = name.split(":")[0]
        is_current = current_name == name or (
            section != "home" and current_name.startswith(section + ":") and _section_of(current_name) == name
        )
        items.append({"url": url, "label": label, "current": is_current})
    memberships = list(user.memberships.select_related("department"))
    return {
        "nav_items": items,
        "user_display_name": display_name(user),
        "user_departments": [m.department.name for m in memberships],
        "user_department_objects": [m.department for m in memberships],  # links to the department pages
    }


def _section_of(view_name):
    if view_name.startswith("goals:inbox"):
        return "goals:inbox"
    if view_name in ("goals:people", "goals:create-department", "goals:set-membership", "goals:delete-membership"):
        return None  # the admin's people page is not under Trees
    if view_name.startswith(("metrics:grid", "metrics:due", "metrics:save")):
        return "metrics:grid"
    if view_name.startswith("goals:"):
        return "goals:tree-list"
    return None
