"""Notices by email, sent in the background: tasks of Django's tasks framework, queued in the database
(django-tasks-db) by the request that created the notices and run by the worker (`manage.py db_worker`,
docs/deploy.md "Worker").

- `send_notice(notice_id)`: one notice, to a person who wants an email for each.
- `send_digest(user_id)`: the notices not emailed yet of a person who wants one email a day; `manage.py
  send_digests` (cron, once a day) queues them.

Each email is sent once: the task locks the notice rows, skips those already emailed and marks the others in
the same transaction as the sending, so a task run twice (or queued twice) sends nothing the second time. An
email that cannot be sent (the mail server is down) leaves its notices as they were and is tried again later by
a new task, up to NOTICE_EMAIL_ATTEMPTS times, NOTICE_EMAIL_RETRY_SECONDS × the attempt apart; the failed try
stays in the task results with its error.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from goals.discussion.words import sentence
from goals.models import Notice, NoticePreference, display_name

logger = logging.getLogger(__name__)


def language_of(user):
    """The language of the person's emails: the one they chose the last time they saved their preferences."""
    preference = NoticePreference.objects.filter(user=user).values_list("language", flat=True).first()
    return preference or settings.LANGUAGE_CODE


def absolute(path):
    return settings.SITE_URL + path


def send_with_retries(retry_task, args, attempt, send):
    """Run `send()`; when it fails, queue `retry_task(*args, attempt=attempt + 1)` for later (while attempts
    remain) and raise, so that the worker records this try as failed."""
    try:
        return send()
    except Exception:
        if attempt < settings.NOTICE_EMAIL_ATTEMPTS:
            delay = timedelta(seconds=settings.NOTICE_EMAIL_RETRY_SECONDS * attempt)
            retry_task.using(run_after=timezone.now() + delay).enqueue(*args, attempt=attempt + 1)
            logger.warning(
                "Email not sent (try %s of %s); trying again later.", attempt, settings.NOTICE_EMAIL_ATTEMPTS
            )
        else:
            logger.error("Email not sent after %s tries; giving up.", attempt)
        raise


def notice_url(notice):
    path = reverse("goals:node-detail", args=[notice.node_id])
    return absolute(path + (f"#comment-{notice.comment_id}" if notice.comment_id else "#definition-title"))


def _footer_context():
    return {"settings_url": absolute(reverse("goals:notice-settings")), "inbox_url": absolute(reverse("goals:inbox"))}


def notice_message(notice):
    """The email of one notice, in the recipient's language."""
    user = notice.recipient
    with translation.override(language_of(user)):
        context = {
            "notice": notice,
            "sentence": sentence(notice),
            "url": notice_url(notice),
            "name": display_name(user),
            **_footer_context(),
        }
        subject = "[Goaltree] " + sentence(notice)
        body = render_to_string("goals/email/notice.txt", context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def digest_message(user, notices):
    with translation.override(language_of(user)):
        items = [{"notice": notice, "sentence": sentence(notice), "url": notice_url(notice)} for notice in notices]
        context = {"items": items, "name": display_name(user), **_footer_context()}
        subject = "[Goaltree] " + _("%(count)s new notices") % {"count": len(items)}
        body = render_to_string("goals/email/digest.txt", context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _with_details(notices):
    return notices.select_related("recipient", "actor", "node", "department", "comment")


@task()
def send_notice(notice_id, attempt=1):
    """Email one notice (see the module docstring). Returns whether an email went out."""

    def send():
        with transaction.atomic():
            notice = _with_details(Notice.objects.select_for_update(of=("self",))).filter(pk=notice_id).first()
            if notice is None or notice.emailed_at is not None or not notice.recipient.email:
                return False
            notice_message(notice).send(using="default")
            notice.emailed_at = timezone.now()
            notice.save(update_fields=["emailed_at"])
            return True

    return send_with_retries(send_notice, (notice_id,), attempt, send)


@task()
def send_digest(user_id, attempt=1):
    """Email a person the notices not emailed yet, in one message. Returns how many it listed."""

    def send():
        with transaction.atomic():
            notices = list(
                _with_details(Notice.objects.select_for_update(of=("self",)))
                .filter(recipient_id=user_id, emailed_at__isnull=True)
                .order_by("created_at", "id")
            )
            if not notices or not notices[0].recipient.email:
                return 0
            digest_message(notices[0].recipient, notices).send(using="default")
            Notice.objects.filter(pk__in=[notice.pk for notice in notices]).update(emailed_at=timezone.now())
            return len(notices)

    return send_with_retries(send_digest, (user_id,), attempt, send)


def queue_digests():
    """Queue a digest for everyone who wants one a day and has notices not emailed yet. Returns their ids."""
    user_ids = sorted(
        set(
            Notice.objects.filter(
                emailed_at__isnull=True,
                recipient__notice_preference__email=NoticePreference.Email.DAILY,
                recipient__is_active=True,
            )
            .exclude(recipient__email="")
            .values_list("recipient_id", flat=True)
        )
    )
    for user_id in user_ids:
        send_digest.enqueue(user_id)
    return user_ids
