"""Weekly reminders: one email per person with the numbers their departments still owe for the last complete
week, and the questions to their departments still open. `manage.py send_reminders` (cron, Monday morning)
queues one task per person; the worker sends them (goals.discussion.emails has the retries).

A person gets a reminder when they are in a department, have an email address and have not turned reminders
off (goals.models.NoticePreference.reminders), and there is something to say. Each person gets one reminder per
week however often the command runs: the task records the week it reminded of (NoticePreference.
last_reminder_week) in the transaction that sends.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from goals.access import access_for
from goals.discussion.emails import absolute, language_of, send_with_retries
from goals.models import Comment, NoticePreference, display_name
from goals.periods import week_containing
from metrics.views.due import due_groups

WEEK = timedelta(days=7)


@dataclass
class Reminder:
    user: object
    week: date  # the Monday of the week reminded of
    due: list  # [(tree, [DueItem])]
    questions: list  # open Comment questions to the person's departments

    @property
    def due_count(self):
        return sum(len(items) for _tree, items in self.due)

    @property
    def is_empty(self):
        return not self.due and not self.questions


def reminded_week(day=None):
    """The week a reminder is about: the one before the week of `day` (today by default); its Monday."""
    day = day or timezone.localdate()
    return week_containing(day, 0) - WEEK


def reminder_for(user, week):
    """What to remind `user` of, for the week starting on Monday `week`."""
    access = access_for(user)
    if not access.member_of:
        return Reminder(user, week, [], [])
    due = due_groups(user, access.member_of, today=week + WEEK)
    questions = list(
        Comment.objects.open_questions()
        .filter(to_department__in=access.member_of)
        .select_related("node", "node__tree", "to_department", "author")
        .order_by("created_at", "id")
    )
    return Reminder(user, week, due, questions)


def recipients():
    """The people who may get reminders: active, in a department, with an address, reminders not turned off."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__isnull=False)
        .exclude(email="")
        .exclude(notice_preference__reminders=False)
        .distinct()
        .order_by("pk")
    )


def message(reminder):
    user = reminder.user
    with translation.override(language_of(user)):
        context = {
            "reminder": reminder,
            "name": display_name(user),
            "due_url": absolute(reverse("metrics:due")),
            "inbox_url": absolute(reverse("goals:inbox") + "?filter=questions"),
            "settings_url": absolute(reverse("goals:notice-settings")),
            "base_url": settings.SITE_URL,
        }
        subject = "[Goaltree] " + _("Reminder for the week of %(week)s") % {"week": reminder.week.strftime("%Y/%m/%d")}
        body = render_to_string("metrics/email/reminder.txt", context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


@task()
def send_reminder(user_id, week, attempt=1):
    """Email one person their reminder for the week starting on `week` (ISO), once. Returns whether it went."""
    week = date.fromisoformat(week)

    def send():
        with transaction.atomic():
            user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
            if user is None or not user.email:
                return False
            preference, _created = NoticePreference.objects.get_or_create(user=user)
            preference = NoticePreference.objects.select_for_update().get(pk=preference.pk)
            if not preference.reminders or preference.last_reminder_week == week:
                return False
            reminder = reminder_for(user, week)
            if reminder.is_empty:
                return False
            message(reminder).send(using="default")
            preference.last_reminder_week = week
            preference.save(update_fields=["last_reminder_week"])
            return True

    return send_with_retries(send_reminder, (user_id, week.isoformat()), attempt, send)
