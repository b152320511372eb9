"""The first-run checklist (/start/): the steps from an empty workspace to its first week's numbers, each ticked
off from the data, never by hand. The steps' pages show "Next: …" when opened from the checklist (?from=start).
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from goals import hooks
from goals.models import Department, Invitation, Membership, Node, Tree

# (key, title, what it means, the route of its page)
STEPS = [
    (
        "departments",
        _("Create the departments"),
        _("Marketing, inside sales, field sales: whoever owns numbers."),
        "goals:people",
    ),
    ("tree", _("Make a tree from a template"), _("A KGI with its KPIs, ready to adjust."), "goals:tree-from-template"),
    (
        "targets",
        _("Set targets by back-calculation"),
        _("Give the KGI its target and let Goaltree work out the KPIs' targets."),
        "goals:tree-backcalc",
    ),
    (
        "invite",
        _("Invite the departments"),
        _("Each department's lead and members get an email with a link."),
        "goals:invite",
    ),
    ("numbers", _("Enter the first week's numbers"), _("The grid of the week: one row per KPI."), "metrics:grid"),
]
ROUTE_STEP = {route: key for key, _title, _text, route in STEPS}


def newest_tree():
    """The tree the checklist works on: the newest one (its back-calculation, then its weekly review)."""
    return Tree.objects.order_by("-created_at", "-pk").first()


def steps(request=None):
    """The checklist: a list of dicts (key, title, text, done, url or None when the step cannot start yet)."""
    tree = newest_tree()
    done = {
        "departments": Department.objects.exists(),
        "tree": Tree.objects.exists(),
        # A template brings targets of its own: the step is done once a target was set or changed after the tree
        # was made (by back-calculation or by hand), as its history records.
        "targets": Node.history.filter(history_changes__has_key="target").exists(),
        "invite": Invitation.objects.exists()
        or Membership.objects.exclude(user_id=getattr(getattr(request, "user", None), "pk", None)).exists(),
        "numbers": bool(hooks.page_context("start", request).get("has_entries")),
    }
    result = []
    for key, title, text, route in STEPS:
        if key == "targets":
            url = reverse(route, args=[tree.pk]) if tree else None
        elif key == "invite" and not done["departments"]:
            url = None
        else:
            url = reverse(route)
        result.append({"key": key, "title": title, "text": text, "done": done[key], "url": url})
    return result


def is_incomplete(request=None):
    """Whether a step is still to do: home then points admins at the checklist (a few EXISTS queries, admins only)."""
    return not all(step["done"] for step in steps(request))


def next_step(route_name, request=None):
    """The step after the one whose page is `route_name`, for the "Next: …" banner: a dict, or None when it is not
    a step's page. The last step's next is the checklist itself."""
    key = ROUTE_STEP.get(route_name)
    if key is None:
        return None
    checklist = steps(request)
    index = [step["key"] for step in checklist].index(key)
    later = [step for step in checklist[index + 1 :] if not step["done"] and step["url"]]
    return {"current": checklist[index], "next": later[0] if later else None}
