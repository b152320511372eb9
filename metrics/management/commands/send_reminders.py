"""Queue this week's reminders (metrics.notify): run by cron on Monday morning (docs/deploy.md)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from metrics import notify


class Command(BaseCommand):
    help = (
        "Queue one reminder email per person: the numbers their departments still owe for the last complete week, "
        "and the questions to their departments still open. The worker (db_worker) sends them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; queue nothing.")
        parser.add_argument(
            "--week",
            metavar="DATE",
            help="Remind of the week that holds DATE (YYYY-MM-DD) instead of the last complete week.",
        )

    def handle(self, *args, **options):
        week = notify.reminded_week()
        if options["week"]:
            try:
                day = date.fromisoformat(options["week"])
            except ValueError:
                raise CommandError(f"--week: “{options['week']}” is not a date; write it as YYYY-MM-DD.") from None
            week = notify.reminded_week(day + notify.WEEK)
        queued = 0
        for user in notify.recipients():
            if options["dry_run"]:
                reminder = notify.reminder_for(user, week)
                if reminder.is_empty:
                    continue
                email = notify.message(reminder)
                self.stdout.write(f"To: {user.email}\nSubject: {email.subject}\n\n{email.body}\n{'=' * 60}")
                queued += 1
                continue
            notify.send_reminder.enqueue(user.pk, week.isoformat())
            queued += 1
        verb = "Would send" if options["dry_run"] else "Queued"
        self.stdout.write(f"{verb} {queued} reminder(s) for the week of {week.isoformat()} ({timezone.localdate()}).")
