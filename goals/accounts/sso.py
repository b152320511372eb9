"""Single sign-on with Google Workspace and Microsoft Entra ID through django-allauth, off unless SSO_PROVIDERS
names a provider (docs/deploy.md "Single sign-on").

- A person signs in with an account of the provider whose email address is verified and belongs to exactly one
  active Goaltree account (compared without case): that account, which is then linked to the provider's.
- Microsoft does not say whether an address is verified; its address counts as verified only when Goaltree
  trusts one tenant (MICROSOFT_TENANT_ID is that tenant's id, not "common" or "organizations"): that
  directory's admins set the addresses, nobody else can.
- An address that has no account is refused, unless its domain is in SSO_ALLOWED_DOMAINS: then an account is
  made, in no department (it sees what every signed-in person sees and changes nothing until an admin or a
  lead adds it to a department).
- Unverified addresses, several accounts with the same address and deactivated accounts are refused with a page
  that says why. allauth's own sign-up and login pages are never offered: our login page stays the only one.
"""

import re

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

PROVIDERS = {"google": _("Log in with Google"), "microsoft": _("Log in with Microsoft")}
_TENANT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z", re.IGNORECASE)


def enabled():
    """The providers turned on, in the order of SSO_PROVIDERS."""
    return [name for name in settings.SSO_PROVIDERS if name in PROVIDERS]


def buttons():
    return [{"provider": name, "label": PROVIDERS[name]} for name in enabled()]


def refuse(request, reason, email=""):
    """Stop the sign-in with our page saying why (status 403)."""
    response = render(request, "registration/sso_refused.html", {"reason": reason, "email": email}, status=403)
    raise ImmediateHttpResponse(response)


def _microsoft_tenant_trusted():
    return bool(_TENANT_ID.match(settings.SSO_MICROSOFT_TENANT or ""))


def verified_emails(sociallogin):
    """The addresses the provider vouches for, lower-cased."""
    provider = sociallogin.account.provider
    found = []
    for address in sociallogin.email_addresses:
        if address.verified or (provider == "microsoft" and _microsoft_tenant_trusted()):
            found.append(address.email.strip().lower())
    if provider == "microsoft" and _microsoft_tenant_trusted() and not found:
        email = (sociallogin.user.email or "").strip().lower() if sociallogin.user else ""
        if email:
            found.append(email)
    return found


def domain_allowed(email):
    domain = email.rsplit("@", 1)[-1].lower()
    return domain in {allowed.lower() for allowed in settings.SSO_ALLOWED_DOMAINS}


class AccountAdapter(DefaultAccountAdapter):
    """allauth's local accounts: no sign-up ever (people are invited), and signing in as ModelBackend does."""

    def is_open_for_signup(self, request):
        return False

    def login(self, request, user):
        user.backend = "django.contrib.auth.backends.ModelBackend"
        return super().login(request, user)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        if sociallogin.account.provider not in enabled():
            refuse(request, "off")
        if sociallogin.is_existing:
            if not sociallogin.user.is_active:
                refuse(request, "inactive")
            return  # linked before, from a verified address
        emails = verified_emails(sociallogin)
        if not emails:
            refuse(request, "unverified")
        users = list(get_user_model().objects.filter(email__iexact=emails[0]))
        if len(users) > 1:
            refuse(request, "ambiguous", emails[0])
        if users:
            if not users[0].is_active:
                refuse(request, "inactive", emails[0])
            sociallogin.connect(request, users[0])
            return
        if not domain_allowed(emails[0]):
            refuse(request, "unknown", emails[0])

    def is_open_for_signup(self, request, sociallogin):
        emails = verified_emails(sociallogin)
        return bool(emails) and domain_allowed(emails[0])

    def is_auto_signup_allowed(self, request, sociallogin):
        return self.is_open_for_signup(request, sociallogin)

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        emails = verified_emails(sociallogin)
        if emails:
            user.email = emails[0]
        return user

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        refuse(request, "error")
