"""When each person last opened their home page, for "what changed since your last visit".

The rule (docs/ui.md "Home"): a visit is a home view at least VISIT_GAP after the last one recorded. Opening
home starts a new visit when `seen_at` is older than VISIT_GAP: `since` takes the old `seen_at` and `seen_at`
becomes now (one UPDATE); a view within VISIT_GAP of `seen_at` is the same visit and writes nothing, so
reloading home keeps showing the same changes. The first visit has no `since`: home then shows the changes of
the last FIRST_VISIT_DAYS days.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models

VISIT_GAP = timedelta(minutes=10)
FIRST_VISIT_DAYS = 7


class HomeVisit(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="home_visit")
    seen_at = models.DateTimeField()  # the start of the person's latest visit of home
    since = models.DateTimeField(null=True, blank=True)  # the start of the visit before it

    def __str__(self):
        return f"{self.user_id}: {self.seen_at:%Y-%m-%d %H:%M}"


def visit(user, now):
    """The moment "since your last visit" starts from, for a home view by `user` at `now`; records the visit.

    One query when the visit goes on (a reload), two when a new one starts."""
    found = HomeVisit.objects.filter(user=user).first()
    if found is None:
        HomeVisit.objects.get_or_create(user=user, defaults={"seen_at": now})
        return now - timedelta(days=FIRST_VISIT_DAYS), True
    if now - found.seen_at >= VISIT_GAP:
        found.since, found.seen_at = found.seen_at, now
        HomeVisit.objects.filter(pk=found.pk).update(since=found.since, seen_at=now)
    if found.since is None:
        return found.seen_at - timedelta(days=FIRST_VISIT_DAYS), True
    return found.since, False
