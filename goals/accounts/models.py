"""The invitation of a new person by email (goals.accounts.invitations has the operations on it).

The model belongs to the goals app (goals.models imports it) and names goals' own models as strings.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_nonce():
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """An email address invited into a department with a role. The link in the email is signed with SECRET_KEY
    and carries the invitation's id and `nonce`; resending draws a new nonce (the earlier link stops working).
    It works once (`accepted_at`), until `expires_at`, and not after `revoked_at`."""

    class Role(models.TextChoices):  # the same values as Membership.Role
        MEMBER = "member", _("Member")
        LEAD = "lead", _("Lead")

    email = models.EmailField(_("email address"), max_length=254)
    department = models.ForeignKey(
        "goals.Department", on_delete=models.CASCADE, related_name="invitations", verbose_name=_("department")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(max_length=10, default="ja")
    nonce = models.CharField(max_length=64, default=new_nonce)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.email} ({self.department_id}, {self.role})"

    @property
    def is_pending(self):
        return self.accepted_at is None and self.revoked_at is None

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()
