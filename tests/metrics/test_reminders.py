"""manage.py send_reminders: one email per person with the numbers their departments still owe for the last
complete week and the open questions to their departments; a dry run prints; each week is reminded once."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from goals.access import access_for
from goals.discussion import threads
from goals.models import NoticePreference
from metrics.entries import set_entry
from tests.worker import run_worker

pytestmark = pytest.mark.usefixtures("transactional_db")

MONDAY_MORNING = "2026-07-06 09:00 +09:00"  # the last complete week is that of Monday 29 June
REMINDER_TASK = "metrics.notify.send_reminder"


@pytest.fixture
def people(owner, member, sales_member, viewer):
    for user in (owner, member, sales_member, viewer):
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    return owner, member, sales_member, viewer


def send_reminders(*args):
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def _nodes(tree):
    return {node.code: node for node in tree.nodes.all()}


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_each_person_gets_what_their_departments_owe_and_their_open_questions(tree, people, marketing):
    owner, member, sales_member, viewer = people
    nodes = _nodes(tree)
    set_entry(nodes["deals"], date(2026, 6, 29), Decimal("5"), user=sales_member, source="grid")
    set_entry(nodes["avg_deal_size"], date(2026, 6, 29), Decimal("500000"), user=sales_member, source="grid")
    question = threads.post(
        nodes["leads"], sales_member, "Is the trade-show list in?", access_for(sales_member), to_department=marketing
    ).comment
    mail.outbox.clear()
    output = send_reminders()
    assert "Queued 3 reminder(s) for the week of 2026-06-29" in output  # people in a department, with an address
    assert DBTaskResult.objects.filter(task_path=REMINDER_TASK).count() == 3
    run_worker()
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"tanaka@example.com", "suzuki@example.com"}  # sales owes nothing, asked nothing
    body = by_address["suzuki@example.com"].body
    assert "リード数" in body and "6/29週" in body  # marketing's missing number, its week
    assert "Is the trade-show list in?" in body and f"#comment-{question.pk}" in body
    assert "受注件数" not in body  # sales' number, entered anyway
    assert by_address["suzuki@example.com"].subject == "[Goaltree] 2026/06/29週のリマインダー"


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_a_week_is_reminded_once_however_often_the_command_runs(tree, people):
    send_reminders()
    run_worker()
    first = len(mail.outbox)
    assert first == 3  # tanaka, suzuki (leads) and sato (deals)
    send_reminders()
    run_worker()
    assert len(mail.outbox) == first


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_the_dry_run_prints_and_queues_nothing(tree, people):
    output = send_reminders("--dry-run")
    assert "To: suzuki@example.com" in output and "リード数" in output
    assert "Would send 3 reminder(s) for the week of 2026-06-29" in output
    assert not DBTaskResult.objects.exists()
    assert mail.outbox == []


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_another_week_can_be_named(tree, people, sales_member):
    nodes = _nodes(tree)
    for week in (date(2026, 6, 15), date(2026, 6, 22)):
        set_entry(nodes["leads"], week, Decimal("100"), user=sales_member, source="grid")
    output = send_reminders("--dry-run", "--week", "2026-06-24")  # a Wednesday: its week begins on 22 June
    assert "for the week of 2026-06-22" in output
    assert "To: suzuki@example.com" not in output  # leads has its number for that week
    assert "To: sato@example.com" in output and "6/22週" in output
    with pytest.raises(CommandError, match="not a date"):
        send_reminders("--week", "next monday")


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_people_who_turned_reminders_off_get_none(tree, people):
    owner, member, sales_member, viewer = people
    NoticePreference.objects.create(user=member, reminders=False)
    output = send_reminders("--dry-run")
    assert "To: suzuki@example.com" not in output and "To: tanaka@example.com" in output
