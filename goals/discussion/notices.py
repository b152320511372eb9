"""The inbox's notices: who hears of a comment, an answer or a changed definition, the unread count, marking read.

One notice per person per event, of the strongest kind that reaches them (a mention beats a question to their
department, which beats a mention of their department, a reply, then a comment on their department's KPI).
Nobody hears of what they did themselves, and only people who see the tree hear of it (guests only where they
are invited). Each notice is emailed at once, in the day's digest, or not at all, as its recipient chose
(goals.discussion.emails).

The unread count in the navigation comes with the navigation's one query (goals.access.navigation_facts).
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from goals.discussion import emails
from goals.models import Guest, Membership, Notice, NoticePreference

Kind = Notice.Kind
# The strongest first.
PRIORITY = (
    Kind.MENTION,
    Kind.QUESTION,
    Kind.ANSWERED,
    Kind.DEPARTMENT_MENTION,
    Kind.REPLY,
    Kind.DEFINITION_CHANGED,
    Kind.KPI_COMMENT,
)


def can_see(user_id, tree_id, guests):
    """Whether the person sees the tree, given `guests` ({user id: set of invited tree ids} of the guests)."""
    return user_id not in guests or tree_id in guests[user_id]


def guests_among(user_ids):
    """{user id: set of invited tree ids} for the guests among `user_ids` (one query)."""
    found = {}
    rows = Guest.objects.filter(user_id__in=user_ids).values_list("user_id", "trees")
    for user_id, tree_id in rows:
        found.setdefault(user_id, set())
        if tree_id is not None:
            found[user_id].add(tree_id)
    return found


def members_of(department_ids):
    """{department id: [user id]} of the active members of the departments."""
    members = {}
    rows = Membership.objects.filter(department_id__in=department_ids, user__is_active=True).values_list(
        "department_id", "user_id"
    )
    for department_id, user_id in rows:
        members.setdefault(department_id, []).append(user_id)
    return members


def deliver(*, node, actor, reaches, comment=None):
    """Create the notices of one event and queue their emails.

    `reaches` is [(user id, kind, department id or None)] in any order; each person gets one notice, of the
    strongest kind. Returns the notices created.
    """
    chosen = {}
    for user_id, kind, department_id in reaches:
        if user_id is None or (actor is not None and user_id == actor.pk):
            continue
        current = chosen.get(user_id)
        if current is None or PRIORITY.index(kind) < PRIORITY.index(current[0]):
            chosen[user_id] = (kind, department_id)
    if not chosen:
        return []
    guests = guests_among(chosen)
    notices = Notice.objects.bulk_create(
        Notice(
            recipient_id=user_id,
            kind=kind,
            comment=comment,
            node=node,
            department_id=department_id,
            actor=actor if actor is not None and actor.is_authenticated else None,
        )
        for user_id, (kind, department_id) in chosen.items()
        if can_see(user_id, node.tree_id, guests)
    )
    _queue_emails(notices)
    return notices


def _queue_emails(notices):
    """Email now the notices of people who want each one; the daily digest takes the others' later."""
    if not notices:
        return
    ids = [notice.recipient_id for notice in notices]
    chosen = dict(NoticePreference.objects.filter(user_id__in=ids).values_list("user_id", "email"))
    with_address = set(get_user_model().objects.filter(pk__in=ids).exclude(email="").values_list("pk", flat=True))
    for notice in notices:
        if notice.recipient_id in with_address and chosen.get(notice.recipient_id, "each") == "each":
            emails.send_notice.enqueue(notice.pk)


def mark_read(user, ids=None):
    """Mark the person's notices read: those with `ids`, or all of them. Returns how many changed."""
    notices = Notice.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        notices = notices.filter(pk__in=ids)
    return notices.update(read_at=timezone.now())


def mark_read_about(user, node):
    """The person opened the node's page: their notices about it are read."""
    notices = Notice.objects.filter(recipient=user, read_at__isnull=True, node=node)
    return notices.update(read_at=timezone.now())


def counts_by_filter(user):
    """Unread notices of the person by inbox filter (one query)."""
    kinds = {
        "questions": Q(kind=Kind.QUESTION),
        "mentions": Q(kind__in=[Kind.MENTION, Kind.DEPARTMENT_MENTION]),
        "replies": Q(kind__in=[Kind.REPLY, Kind.ANSWERED]),
    }
    return Notice.objects.filter(recipient=user, read_at__isnull=True).aggregate(
        all=Count("id"), **{name: Count("id", filter=condition) for name, condition in kinds.items()}
    )
