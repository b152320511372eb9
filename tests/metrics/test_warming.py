"""After a change, the worker computes the tree's progress before someone opens a page (metrics/warming.py)."""

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from goals.models import Tree
from metrics import progress, warming
from metrics.entries import set_entry
from metrics.models import EntryChange
from tests.worker import run_worker

NOW = "2026-04-22 12:00 +0900"  # the last complete week is that of 2026-04-13
WEEK = date(2026, 4, 13)
WARM = "metrics.warming.warm_progress"


def queued():
    return DBTaskResult.objects.filter(task_path=WARM).count()


def enter(tree, code, value, week=WEEK):
    node = tree.nodes.get(code=code)
    set_entry(node, week, Decimal(value), user=None, source=EntryChange.Source.GRID)


def kept(tree):
    """The progress kept for the tree's current data version at its pages' default week, or None."""
    tree.refresh_from_db()
    week = progress.as_of_week(tree, progress.default_as_of(tree))
    return cache.get(progress.cache_key(tree, week))


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_a_save_queues_the_tree_and_the_worker_keeps_its_progress(tree):
    enter(tree, "leads", "60")
    assert queued() == 1
    assert kept(tree) is None

    run_worker()

    assert DBTaskResult.objects.get(task_path=WARM).status == "SUCCESSFUL"
    assert kept(tree) is not None
    # What it kept is what a page would have computed.
    loaded = progress.load_tree(tree, notes_for=set())
    from metrics import engine

    computed = engine.compute(loaded.data, loaded.entries, progress.default_as_of(tree))
    assert progress.tree_progress(tree, notes_for=set()).progress == computed


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_the_dashboard_after_the_worker_reads_no_entries(client, owner, tree):
    enter(tree, "leads", "60")
    run_worker()
    client.force_login(owner)
    url = reverse("metrics:dashboard", args=[tree.pk])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert not [query for query in captured if "metrics_entry" in query["sql"]]


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_a_burst_of_saves_queues_one_task_until_it_runs(tree):
    enter(tree, "leads", "60")
    enter(tree, "deals", "6")
    enter(tree, "leads", "61")
    assert queued() == 1

    run_worker()
    assert kept(tree) is not None

    enter(tree, "leads", "62")  # after the task ran: a new one for the new numbers
    assert queued() == 2
    assert kept(tree) is None
    run_worker()
    assert kept(tree) is not None


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_one_transaction_queues_one_task_per_tree_and_a_rollback_none(tree):
    with transaction.atomic():
        enter(tree, "leads", "60")
        enter(tree, "deals", "6")
        assert queued() == 0  # nothing before the commit
    assert queued() == 1

    cache.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        enter(tree, "leads", "70")
        raise RuntimeError
    assert queued() == 1


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_warming_can_be_turned_off(tree, settings):
    settings.PROGRESS_WARMING = False
    enter(tree, "leads", "60")
    assert queued() == 0


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_with_the_cache_down_a_save_queues_nothing_and_still_saves(tree):
    with mock.patch.object(cache, "add", side_effect=ConnectionError("down")):
        enter(tree, "leads", "60")
    assert queued() == 0
    assert tree.nodes.get(code="leads").entries.get(week=WEEK).value == Decimal("60.000000")


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_a_tree_deleted_before_the_task_runs_is_skipped(tree):
    enter(tree, "leads", "60")
    Tree.objects.filter(pk=tree.pk).delete()
    run_worker()
    assert DBTaskResult.objects.get(task_path=WARM).status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_a_lost_task_holds_nothing_back_after_the_mark_expires(tree):
    enter(tree, "leads", "60")
    DBTaskResult.objects.all().delete()  # a worker that lost it
    cache.delete(warming.pending_key(tree.pk))  # what expiry (PENDING_SECONDS) does
    enter(tree, "leads", "61")
    assert queued() == 1
