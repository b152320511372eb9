"""Queue the daily digests of notices (goals.discussion.emails): run by cron once a day (docs/deploy.md)."""

from django.core.management.base import BaseCommand

from goals.discussion import emails


class Command(BaseCommand):
    help = "Queue one email per person who chose a daily digest and has notices not emailed yet."

    def handle(self, *args, **options):
        user_ids = emails.queue_digests()
        self.stdout.write(f"Queued {len(user_ids)} digest(s).")
