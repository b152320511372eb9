"""Inviting a person by email: the invitation, its link, its email (sent by the worker like every email,
goals.discussion.emails) and accepting it.

The link carries the invitation's id and nonce, signed with SECRET_KEY (django.core.signing): nothing in the
database alone makes a working link. It works once, for INVITATION_DAYS days, and stops when the invitation is
revoked or sent again (a new nonce). Who may invite whom is in docs/permissions.md ("People and departments").
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from goals.accounts.models import Invitation, new_nonce
from goals.discussion.emails import absolute, send_with_retries
from goals.models import Membership, display_name

SALT = "goaltree.invitation"

# What a link leads to, besides a usable invitation.
INVALID, REVOKED, USED, EXPIRED, USABLE = "invalid", "revoked", "used", "expired", "usable"


def token_for(invitation):
    return signing.dumps([invitation.pk, invitation.nonce], salt=SALT)


def link_for(invitation):
    return absolute(reverse("invitation-accept", args=[token_for(invitation)]))


def lifetime():
    return timedelta(days=settings.INVITATION_DAYS)


def _queue(invitation):
    pk, nonce = invitation.pk, invitation.nonce
    transaction.on_commit(lambda: send_invitation.enqueue(pk, nonce))


def invite(email, department, role, by, language):
    """A new invitation, its email queued for the worker. Earlier pending invitations of the address to the same
    department are revoked (their links stop working)."""
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(
            email__iexact=email, department=department, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            email=email,
            department=department,
            role=role,
            invited_by=by,
            language=language,
            expires_at=now + lifetime(),
        )
        _queue(invitation)
    return invitation


def resend(invitation):
    """A new link (the old one stops working) valid for INVITATION_DAYS from now, emailed again."""
    with transaction.atomic():
        invitation.nonce = new_nonce()
        invitation.expires_at = timezone.now() + lifetime()
        invitation.sent_at = None
        invitation.save(update_fields=["nonce", "expires_at", "sent_at"])
        _queue(invitation)


def revoke(invitation):
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


def pending():
    """Invitations neither accepted nor revoked (expired ones included: they can be sent again)."""
    return Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True).select_related(
        "department", "invited_by"
    )


def find(token):
    """(invitation or None, state) for the token of a link: state is one of INVALID, REVOKED, USED, EXPIRED,
    USABLE. A link whose nonce was replaced (sent again) is INVALID."""
    try:
        pk, nonce = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None, INVALID
    invitation = Invitation.objects.select_related("department", "invited_by").filter(pk=pk).first()
    if invitation is None or not isinstance(nonce, str) or invitation.nonce != nonce:
        return None, INVALID
    return invitation, state_of(invitation)


def state_of(invitation):
    if invitation.accepted_at is not None:
        return USED
    if invitation.revoked_at is not None:
        return REVOKED
    if invitation.is_expired:
        return EXPIRED
    return USABLE


def email_taken(email):
    return get_user_model().objects.filter(email__iexact=email).exists()


def accept(invitation_pk, nonce, username, first_name, last_name, password):
    """Create the person's account and membership, and mark the invitation used, all at once. Returns the new
    user, or None when the invitation stopped being usable meanwhile (used, revoked, expired, sent again)."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(pk=invitation_pk, nonce=nonce).first()
        if invitation is None or state_of(invitation) != USABLE:
            return None
        user = get_user_model().objects.create_user(
            username=username, email=invitation.email, password=password, first_name=first_name, last_name=last_name
        )
        Membership.objects.create(user=user, department=invitation.department, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        return user


def invitation_message(invitation):
    with translation.override(invitation.language or settings.LANGUAGE_CODE):
        context = {
            "inviter": display_name(invitation.invited_by) if invitation.invited_by else _("A workspace admin"),
            "department": invitation.department.name,
            "role": invitation.get_role_display(),
            "url": link_for(invitation),
            "expires_at": timezone.localtime(invitation.expires_at),
        }
        subject = "[Goaltree] " + _("You are invited to %(department)s") % {"department": invitation.department.name}
        body = render_to_string("goals/email/invitation.txt", context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])


@task()
def send_invitation(invitation_id, nonce, attempt=1):
    """Email the invitation's link, once per nonce; nothing when it was revoked, used or sent again meanwhile.
    Returns whether an email went out."""

    def send():
        with transaction.atomic():
            invitation = (
                Invitation.objects.select_for_update(of=("self",))
                .select_related("department", "invited_by")
                .filter(pk=invitation_id, nonce=nonce)
                .first()
            )
            if invitation is None or invitation.sent_at is not None or state_of(invitation) != USABLE:
                return False
            invitation_message(invitation).send(using="default")
            invitation.sent_at = timezone.now()
            invitation.save(update_fields=["sent_at"])
            return True

    return send_with_retries(send_invitation, (invitation_id, nonce), attempt, send)


@task()
def send_email(subject, body, to, attempt=1):
    """One prepared email (a password reset link), tried again like the others when it cannot be sent."""
    return send_with_retries(
        send_email,
        (subject, body, to),
        attempt,
        lambda: EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to]).send(using="default"),
    )
