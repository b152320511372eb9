"""A tree's progress made ready after a change, by the background worker, before someone opens a page.

Every write that raises a tree's data_version (goals.models.Tree.bump_data_version: entries saved by hand, by
file or through the API, nodes, targets, moves, archiving, tree files) asks, once its transaction has
committed, for the tree's progress to be computed by the worker (`warm_progress`) at the week pages open on
(the last complete week) and kept in the cache (metrics.progress). The first dashboard, node page, grid or home
page after a change then reads it instead of computing it while someone waits (docs/performance.md).

A burst of saves on one tree queues one task: a mark in the cache says that one is queued, and the task clears
it before it reads the tree, so that a save made while it works queues the next one. The mark expires after
PENDING_SECONDS, so a task that was lost (a worker stopped) holds nothing back for long. Nothing is kept in a
process: the task and the mark live in the database and the shared cache. Without a worker, or with the cache
down (the mark cannot be set, and a result could not be kept), nothing is queued and pages compute what they
do not find, as before. `PROGRESS_WARMING = False` (environment `PROGRESS_WARMING=false`) turns it off.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.tasks import task

from goals.models import Tree
from metrics import progress
from metrics.commit import on_commit_once

logger = logging.getLogger(__name__)

PENDING_SECONDS = 60


def pending_key(tree_id) -> str:
    return f"goaltree:warming:{settings.RELEASE}:{tree_id}"


@dataclass(frozen=True)
class _Queue:
    """The on-commit callback that queues the task for one tree (one per tree and transaction)."""

    tree_id: int

    def __call__(self):
        try:
            fresh = cache.add(pending_key(self.tree_id), 1, PENDING_SECONDS)
        except Exception:  # the cache is down: a result could not be kept either
            logger.warning("warming: the cache cannot be reached", exc_info=True)
            return
        if fresh:
            warm_progress.enqueue(self.tree_id)


def schedule(tree_ids) -> None:
    """Queue the progress of `tree_ids` to be computed once the current transaction commits."""
    if not settings.PROGRESS_WARMING:
        return
    for tree_id in tree_ids:
        on_commit_once(_Queue(tree_id))


@task()
def warm_progress(tree_id):
    """Compute and keep the tree's progress at its pages' default week, unless it is kept already."""
    try:
        cache.delete(pending_key(tree_id))
    except Exception:
        logger.warning("warming: the cache cannot be reached", exc_info=True)
        return
    tree = Tree.objects.filter(pk=tree_id).first()
    if tree is None:
        return
    progress.tree_progress(tree, progress.default_as_of(tree), notes_for=set())
