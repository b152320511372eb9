"""{% load accounts %}: the first-run checklist's pieces on other pages. They query only when shown."""

from django import template
from django.template.loader import render_to_string

from goals.access import access_for
from goals.accounts import sso, start

register = template.Library()


@register.simple_tag(takes_context=True)
def start_next_banner(context):
    """The "Next: …" banner of a checklist step's page, when it was opened from the checklist (?from=start)."""
    request = context.get("request")
    if request is None or request.GET.get("from") != "start" or not access_for(request.user).is_admin:
        return ""
    match = request.resolver_match
    step = start.next_step(match.view_name if match else "", request)
    if step is None:
        return ""
    return render_to_string("goals/includes/start_next.html", {"step": step}, request=request)


@register.simple_tag(takes_context=True)
def start_link(context):
    """A link to the checklist for an admin of a workspace that is not set up yet (home)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    # Admins as goals.access reads them, from the user alone: no query for anyone else (home counts its queries).
    if user is None or not (user.is_staff or user.is_superuser) or not start.is_incomplete(request):
        return ""
    return render_to_string("goals/includes/start_link.html", request=request)


@register.simple_tag(takes_context=True)
def sso_buttons(context):
    """The login page's buttons of single sign-on ("Log in with Google"), only for the providers turned on."""
    buttons = sso.buttons()
    if not buttons:
        return ""
    request = context.get("request")
    return render_to_string(
        "registration/includes/sso_buttons.html",
        {"buttons": buttons, "next": context.get("next", "")},
        request=request,
    )
