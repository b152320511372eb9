"""Webhooks out (docs/api.md "Webhooks"): a tree tells a URL when a week's numbers are complete or a KPI changes
status. Checked and sent by the background worker (Django's tasks, django-tasks-db: `manage.py db_worker`).

- Every recorded change of an entry (metrics.models.EntryChange: grid, imports, API, restores) queues one check
  of its tree per transaction, after it commits, when the tree has webhooks: `check_tree`.
- The check looks at the last complete week (Tree.last_complete_week, clamped to the period): it is complete
  when every active measured weekly node has an entry for it; and at each node's status at that week. What
  differs from what the webhook last knew (set when it was made, so that nothing past is told) becomes a
  delivery, told once.
- A delivery is a POST of JSON, signed: `X-Goaltree-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
  "<t>.<body>" with the webhook's secret>`. Any 2xx answer is success; anything else (or no answer within
  WEBHOOK_TIMEOUT_SECONDS) is tried again after WEBHOOK_RETRY_SECONDS, doubling, WEBHOOK_ATTEMPTS times in all.
- Addresses: https only, and never a private, loopback or link-local address, unless the settings allow it
  (WEBHOOKS_ALLOW_HTTP, WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: development and tests), so that a webhook cannot be
  pointed at the servers' own network.
"""

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models.signals import post_save
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from goals import periods
from goals.models import Tree
from metrics import csvfiles
from metrics.api.progress import progress_json
from metrics.commit import on_commit_once
from metrics.models import Entry, EntryChange, Webhook, WebhookDelivery

WEEK_COMPLETE = "week.complete"
STATUS_CHANGED = "kpi.status_changed"


class UnsafeAddress(Exception):
    pass


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def check_address(url):
    """Raise UnsafeAddress (with a message for people) unless the URL may be sent to."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and settings.WEBHOOKS_ALLOW_HTTP):
        raise UnsafeAddress(_("Use an https:// address."))
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise UnsafeAddress(_("The host %(host)s could not be found.") % {"host": parts.hostname}) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise UnsafeAddress(
                _("%(host)s is an address of a private network; use one reachable from the internet.")
                % {"host": parts.hostname}
            )


def baseline(webhook):
    """What the webhook knows when it is made: the current statuses and complete week, so only news is told."""
    week, statuses, complete = _state(webhook.tree)
    webhook.statuses = statuses
    webhook.last_complete_week = week if complete else None


# Queuing a check after entry changes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _QueueCheck:
    """An on_commit callback queuing one check of one tree; at most one per tree per transaction."""

    tree_id: int

    def __call__(self):
        if Webhook.objects.filter(tree_id=self.tree_id).exists():
            check_tree.enqueue(self.tree_id)


def _entry_changed(sender, instance, created, raw=False, **kwargs):
    if raw or not created:
        return
    on_commit_once(_QueueCheck(instance.node.tree_id))


def connect_signals():
    post_save.connect(_entry_changed, sender=EntryChange, dispatch_uid="goaltree-webhooks")


# Checking --------------------------------------------------------------------------------------------------------


def _state(tree):
    """(the week looked at, {node code: status} at that week, whether that week's numbers are complete)."""
    weeks = tree.weeks
    if not weeks:
        return None, {}, False
    week = periods.clamp_week(tree.last_complete_week(), weeks, tree.week_start)
    statuses = {node["code"]: node["status"] for node in progress_json(tree, week)["nodes"]}
    weekly = [node for node in csvfiles.measured_nodes(tree) if node.frequency == node.Frequency.WEEKLY]
    entered = Entry.objects.filter(node__in=weekly, week=week).count()
    is_past = tree.last_complete_week() >= week
    return week, statuses, bool(weekly) and entered == len(weekly) and is_past


@task()
def check_tree(tree_id):
    tree = Tree.objects.filter(pk=tree_id).first()
    if tree is None or not Webhook.objects.filter(tree=tree).exists():
        return
    week, statuses, complete = _state(tree)
    names = dict(tree.nodes.active().values_list("code", "name"))
    sent_at = timezone.now()
    for webhook_id in Webhook.objects.filter(tree=tree).values_list("pk", flat=True):
        with transaction.atomic():
            webhook = Webhook.objects.select_for_update().filter(pk=webhook_id).first()
            if webhook is None:
                continue
            events = []
            if complete and webhook.last_complete_week != week:
                webhook.last_complete_week = week
                if webhook.on_week_complete:
                    events.append((WEEK_COMPLETE, {"week": week}))
            changes = [
                {"node": code, "name": names.get(code, code), "from": webhook.statuses[code], "to": status}
                for code, status in statuses.items()
                if webhook.statuses.get(code) not in (None, status)
            ]
            if changes and webhook.on_status_change:
                events.append((STATUS_CHANGED, {"as_of_week": week, "changes": changes}))
            webhook.statuses = statuses
            webhook.save(update_fields=["last_complete_week", "statuses"])
            for event, data in events:
                payload = {"event": event, "tree": tree.code, **data, "created_at": sent_at}
                delivery = WebhookDelivery.objects.create(
                    webhook=webhook, event=event, payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
                )
                transaction.on_commit(lambda pk=delivery.pk: deliver.enqueue(pk))


# Sending ---------------------------------------------------------------------------------------------------------


def signature(secret, timestamp, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@task()
def deliver(delivery_id):
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return
    webhook = delivery.webhook
    body = json.dumps(delivery.payload, ensure_ascii=False).encode()
    timestamp = int(time.time())
    delivery.attempts += 1
    try:
        check_address(webhook.url)
        request = urllib.request.Request(
            webhook.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Goaltree-Webhook/1",
                "X-Goaltree-Event": delivery.event,
                "X-Goaltree-Delivery": str(delivery.pk),
                "X-Goaltree-Signature": signature(webhook.secret, timestamp, body),
            },
        )
        with _opener().open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            delivery.response_status = response.status
        delivery.status = WebhookDelivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.error = ""
    except urllib.error.HTTPError as exc:
        delivery.response_status = exc.code
        delivery.error = f"HTTP {exc.code}"
    except (UnsafeAddress, OSError, ValueError) as exc:
        delivery.response_status = None
        delivery.error = str(exc)[:300]
    if delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts >= settings.WEBHOOK_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.save()
    if delivery.status == WebhookDelivery.Status.PENDING:
        wait = settings.WEBHOOK_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
        deliver.using(run_after=timezone.now() + timedelta(seconds=wait)).enqueue(delivery.pk)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer that is not 2xx: it is not followed (it could lead anywhere)."""

    def redirect_request(self, *args, **kwargs):
        return None


def _opener():
    return urllib.request.build_opener(_NoRedirects)
