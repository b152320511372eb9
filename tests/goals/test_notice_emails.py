"""Notices by email through the task queue (Django's tasks, django-tasks-db): queued by the request, sent by the
worker once, tried again after a failure; daily digests; nothing for people who want no email."""

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from goals.access import access_for
from goals.discussion import emails, threads
from goals.models import Notice, NoticePreference
from tests.goals.helpers import get_node
from tests.worker import run_worker

pytestmark = pytest.mark.usefixtures("transactional_db")

NOTICE_TASK = "goals.discussion.emails.send_notice"
DIGEST_TASK = "goals.discussion.emails.send_digest"


@pytest.fixture
def people(owner, member, sales_member):
    for user in (owner, member, sales_member):
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    return owner, member, sales_member


def _ask(tree, author, body="Where do leads come from?"):
    return threads.post(get_node(tree, "leads"), author, body, access_for(author)).comment


def test_a_notice_is_queued_and_the_worker_sends_it_once(tree, people):
    owner, member, sales_member = people
    _ask(tree, sales_member)
    queued = DBTaskResult.objects.filter(task_path=NOTICE_TASK)
    assert queued.count() == 2  # tanaka and suzuki, marketing owns leads
    assert mail.outbox == []  # nothing in the request
    run_worker()
    assert sorted(message.to[0] for message in mail.outbox) == ["suzuki@example.com", "tanaka@example.com"]
    message = next(message for message in mail.outbox if message.to == ["suzuki@example.com"])
    assert "Where do leads come from?" in message.body and "/nodes/" in message.body
    assert message.subject.startswith("[Goaltree] ")
    assert all(result.status == "SUCCESSFUL" for result in queued.all())
    assert not Notice.objects.filter(emailed_at__isnull=True).exists()
    # Run again, or queue the same notice again: nothing more is sent.
    run_worker()
    emails.send_notice.enqueue(Notice.objects.first().pk)
    run_worker()
    assert len(mail.outbox) == 2


def test_a_failed_email_is_tried_again_later(tree, people):
    owner, member, sales_member = people
    NoticePreference.objects.create(user=member, email=NoticePreference.Email.NONE)
    _ask(tree, sales_member)
    notice = Notice.objects.get(recipient=owner)
    failures = iter([smtplib.SMTPServerDisconnected("down")])

    def flaky(self, messages):
        error = next(failures, None)
        if error is not None:
            raise error
        mail.outbox.extend(messages)
        return len(messages)

    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", flaky):
        before = timezone.now()
        run_worker()
        assert mail.outbox == []
        failed = DBTaskResult.objects.get(task_path=NOTICE_TASK, status="FAILED")
        assert "SMTPServerDisconnected" in str(failed.exception_class_path)
        retry = DBTaskResult.objects.get(task_path=NOTICE_TASK, status="READY")
        assert retry.args_kwargs == {"args": [notice.pk], "kwargs": {"attempt": 2}}
        assert retry.run_after >= before + timedelta(seconds=300)  # NOTICE_EMAIL_RETRY_SECONDS × 1
        notice.refresh_from_db()
        assert notice.emailed_at is None
        run_worker()  # too early: the retry waits
        assert mail.outbox == []
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
        run_worker()
    assert [message.to for message in mail.outbox] == [["tanaka@example.com"]]
    notice.refresh_from_db()
    assert notice.emailed_at is not None


@override_settings(NOTICE_EMAIL_ATTEMPTS=2, NOTICE_EMAIL_RETRY_SECONDS=0)
def test_the_worker_gives_up_after_the_last_attempt(tree, people):
    owner, member, sales_member = people
    NoticePreference.objects.create(user=member, email=NoticePreference.Email.NONE)
    _ask(tree, sales_member)
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=smtplib.SMTPException("no")
    ):
        run_worker()
    results = DBTaskResult.objects.filter(task_path=NOTICE_TASK)
    assert sorted(results.values_list("status", flat=True)) == ["FAILED", "FAILED"]
    assert mail.outbox == []


def test_a_daily_digest_gathers_the_days_notices(tree, people):
    owner, member, sales_member = people
    NoticePreference.objects.create(user=member, email=NoticePreference.Email.DAILY, language="ja")
    NoticePreference.objects.create(user=owner, email=NoticePreference.Email.NONE)
    _ask(tree, sales_member, "First")
    _ask(tree, sales_member, "Second")
    assert not DBTaskResult.objects.exists()  # neither wants an email per notice
    call_command("send_digests", stdout=mock.Mock())
    assert list(DBTaskResult.objects.values_list("task_path", "args_kwargs")) == [
        (DIGEST_TASK, {"args": [member.pk], "kwargs": {}})
    ]
    run_worker()
    (message,) = mail.outbox
    assert message.to == ["suzuki@example.com"]
    assert "First" in message.body and "Second" in message.body
    assert "新しい通知2件" in message.subject  # in the language the person chose
    call_command("send_digests", stdout=mock.Mock())
    run_worker()
    assert len(mail.outbox) == 1  # nothing new since
    # The owner wants no email: their notices stay in the inbox only.
    assert Notice.objects.filter(recipient=owner, emailed_at__isnull=True).count() == 2


def test_people_without_an_address_get_nothing_queued(tree, owner, member, sales_member):
    _ask(tree, sales_member)
    assert Notice.objects.count() == 2
    assert not DBTaskResult.objects.exists()


def test_emails_are_in_the_recipients_language(tree, people):
    owner, member, sales_member = people
    NoticePreference.objects.create(user=owner, language="en")
    NoticePreference.objects.create(user=member, language="ja")
    with translation.override("ja"):
        _ask(tree, sales_member)
    run_worker()
    by_address = {message.to[0]: message for message in mail.outbox}
    assert "commented on リード数" in by_address["tanaka@example.com"].subject
    assert "佐藤さんがマーケティング部のKPI「リード数」にコメントしました" in by_address["suzuki@example.com"].subject
