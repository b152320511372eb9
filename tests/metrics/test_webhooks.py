"""Webhooks out, against a receiver on this machine (127.0.0.1) only: the events, the signature, retries, the
page, and the addresses refused."""

import hashlib
import hmac
import json
import threading
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.test import Client

from goals.models import Node
from metrics import webhooks
from metrics.entries import set_entry
from metrics.models import ApiToken, EntryChange, Webhook, WebhookDelivery
from tests.metrics.api.conftest import ApiClient
from tests.worker import run_worker

NOW = "2026-04-22 12:00 +0900"  # the last complete week is that of 2026-04-13
WEEK = "2026-04-13"


class Receiver:
    """An HTTP server on 127.0.0.1 that records what it is sent and answers with the statuses it is given."""

    def __init__(self, statuses=(200,)):
        self.requests = []
        self.statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def events(self):
        return [json.loads(body) for _headers, body in self.requests]


@pytest.fixture
def local_addresses(settings):
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOK_RETRY_SECONDS = 0


def make_webhook(tree, url, **options):
    webhook = Webhook(tree=tree, url=url, secret=webhooks.new_secret(), **options)
    webhooks.baseline(webhook)
    webhook.save()
    return webhook


def push_week(client, rows):
    _token, secret = ApiToken.issue(name="CRM", departments=list(_departments()), read_only=False, created_by=None)
    response = ApiClient(client, secret).push(rows)
    assert response.status_code == 200, response.content
    return response


def _departments():
    from goals.models import Department

    return Department.objects.all()


FULL_WEEK = [
    {"node": "leads", "week": WEEK, "value": "60"},
    {"node": "deals", "week": WEEK, "value": "6"},
    {"node": "avg_deal_size", "week": WEEK, "value": "500000"},
]


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_a_complete_week_and_status_changes_are_sent_signed(tree, local_addresses):
    with Receiver() as receiver:
        webhook = make_webhook(tree, receiver.url)
        assert webhook.last_complete_week is None and set(webhook.statuses.values()) == {"no_data"}
        push_week(Client(), FULL_WEEK)
        run_worker()
        events = receiver.events()
    assert [event["event"] for event in events] == ["week.complete", "kpi.status_changed"]
    assert events[0]["tree"] == "fy2026-test" and events[0]["week"] == WEEK
    changes = {change["node"]: change for change in events[1]["changes"]}
    assert changes["leads"]["from"] == "no_data" and changes["leads"]["to"] != "no_data"
    assert changes["leads"]["name"] == "リード数" and events[1]["as_of_week"] == WEEK
    for headers, body in receiver.requests:
        timestamp, digest = (part.split("=", 1)[1] for part in headers["X-Goaltree-Signature"].split(","))
        expected = hmac.new(webhook.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(digest, expected)
        assert headers["Content-Type"] == "application/json"
    assert {d.event for d in WebhookDelivery.objects.filter(status="sent", attempts=1)} == {
        "week.complete",
        "kpi.status_changed",
    }


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_each_change_is_told_once(tree, local_addresses):
    with Receiver() as receiver:
        make_webhook(tree, receiver.url)
        push_week(Client(), FULL_WEEK)
        run_worker()
        told = len(receiver.requests)
        leads = Node.objects.get(code="leads")
        set_entry(leads, date(2026, 4, 6), Decimal(1), user=None, source=EntryChange.Source.GRID)  # no news
        run_worker()
        assert len(receiver.requests) == told


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_an_incomplete_week_is_not_told(tree, local_addresses):
    with Receiver() as receiver:
        make_webhook(tree, receiver.url, on_status_change=False)
        push_week(Client(), FULL_WEEK[:2])
        run_worker()
        assert receiver.requests == []


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_a_batch_queues_one_check(tree, local_addresses):
    from django_tasks_db.models import DBTaskResult

    make_webhook(tree, "http://127.0.0.1:9/never")
    push_week(Client(), FULL_WEEK)
    assert DBTaskResult.objects.filter(task_path="metrics.webhooks.check_tree").count() == 1


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_a_tree_without_webhooks_queues_nothing(tree):
    from django_tasks_db.models import DBTaskResult

    push_week(Client(), FULL_WEEK)
    assert not DBTaskResult.objects.filter(task_path="metrics.webhooks.check_tree").exists()


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_a_failed_delivery_is_tried_again(tree, local_addresses):
    with Receiver(statuses=[500, 503, 200]) as receiver:
        make_webhook(tree, receiver.url, on_status_change=False)
        push_week(Client(), FULL_WEEK)
        run_worker()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("sent", 3, 200)
    bodies = [body for _headers, body in receiver.requests]
    assert len(bodies) == 3 and len(set(bodies)) == 1  # the same event each time


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_a_delivery_gives_up_after_the_last_try(tree, local_addresses, settings):
    settings.WEBHOOK_ATTEMPTS = 2
    with Receiver(statuses=[500]) as receiver:
        make_webhook(tree, receiver.url, on_status_change=False)
        push_week(Client(), FULL_WEEK)
        run_worker()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.error) == ("failed", 2, "HTTP 500")
    assert len(receiver.requests) == 2


def test_addresses(settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    for url in [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.5/x",
        "https://[::1]/x",
        "https://169.254.169.254/latest",
    ]:
        with pytest.raises(webhooks.UnsafeAddress):
            webhooks.check_address(url)
    webhooks.check_address("https://93.184.215.14/hook")  # a public address, given as such: no lookup needed


# The page --------------------------------------------------------------------------------------------------------


def test_a_lead_adds_a_webhook_and_sees_its_secret_once(client, owner, tree, local_addresses):
    client.force_login(owner)
    page = f"/trees/{tree.pk}/webhooks/"
    assert client.get(page).status_code == 200
    response = client.post(
        f"/trees/{tree.pk}/webhooks/new/", {"url": "http://127.0.0.1:9/hook", "on_week_complete": "on"}
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    webhook = Webhook.objects.get()
    assert (webhook.url, webhook.on_week_complete, webhook.on_status_change) == (
        "http://127.0.0.1:9/hook",
        True,
        False,
    )
    assert webhook.secret.startswith("whsec_") and webhook.secret in response.content.decode()
    assert webhook.secret not in client.get(page).content.decode()
    assert f"/trees/{tree.pk}/webhooks/" in client.get(f"/trees/{tree.pk}/").content.decode()
    client.post(f"/webhooks/{webhook.pk}/delete/")
    assert not Webhook.objects.exists()


def test_a_webhook_needs_an_event_and_a_safe_address(client, owner, tree, settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    client.force_login(owner)
    response = client.post(f"/trees/{tree.pk}/webhooks/new/", {"url": "http://example.com/hook"})
    assert response.status_code == 400
    assert response.context["form"].errors["url"] and response.context["form"].non_field_errors()
    assert not Webhook.objects.exists()


def test_members_and_viewers_cannot_manage_webhooks(client, member, viewer, tree, local_addresses):
    webhook = make_webhook(tree, "http://127.0.0.1:9/hook")
    for person in (member, viewer):
        client.force_login(person)
        assert client.get(f"/trees/{tree.pk}/webhooks/").status_code == 403
        assert client.post(f"/trees/{tree.pk}/webhooks/new/", {"url": "http://127.0.0.1:9/x"}).status_code == 403
        assert client.post(f"/webhooks/{webhook.pk}/delete/").status_code == 403
    assert Webhook.objects.count() == 1
    assert client.get("/trees/999999/webhooks/").status_code == 404


def test_adding_and_removing_are_post_only(client, owner, tree, local_addresses):
    webhook = make_webhook(tree, "http://127.0.0.1:9/hook")
    client.force_login(owner)
    assert client.get(f"/trees/{tree.pk}/webhooks/new/").status_code == 405
    assert client.get(f"/webhooks/{webhook.pk}/delete/").status_code == 405
