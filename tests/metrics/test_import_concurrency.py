"""Concurrent imports and grid saves leave the database consistent (PostgreSQL, two or more connections).

Run with DATABASE_URL=postgres://...; skipped on SQLite, which runs one writer at a time anyway.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from goals.models import Node
from metrics import csvfiles
from metrics.entries import EntryConflict, set_entry
from metrics.models import Entry, EntryChange

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]

ROUNDS = 15


@pytest.fixture
def weeks(tree):
    return tree.weeks[:4]


def _file(weeks, base):
    return "tree,node,week,value\n" + "".join(f"fy2026-test,leads,{week},{base + i}\n" for i, week in enumerate(weeks))


def _import(text):
    """Like the command: plan, apply, and plan again when someone saved meanwhile. Returns the counts."""
    for _attempt in range(50):
        plan = csvfiles.build_plan(text)
        assert plan.ok, plan.error_report()
        try:
            return csvfiles.apply(plan, None)
        except csvfiles.ImportStale:
            continue
    raise AssertionError("the import never got through")


def _run_in_threads(*targets):
    errors = []
    barrier = threading.Barrier(len(targets))

    def wrap(target):
        try:
            barrier.wait()
            target()
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def _assert_history_is_one_chain(node, weeks):
    """Every change starts from the value the previous one left, and the last one is what is stored."""
    for week in weeks:
        chain = list(EntryChange.objects.filter(node=node, week=week).order_by("id"))
        for before, after in zip(chain, chain[1:], strict=False):
            assert after.old_value == before.new_value, (week, before, after)
        stored = Entry.objects.filter(node=node, week=week).first()
        assert (stored.value if stored else None) == (chain[-1].new_value if chain else None)


def test_imports_and_grid_saves_on_the_same_entries(tree, weeks):
    leads = Node.objects.get(code="leads")
    for week in weeks:
        set_entry(leads, week, Decimal("0"), user=None, source="admin")
    imported = []
    grid_saves = []

    def importer():
        for round_ in range(1, ROUNDS + 1):
            counts = _import(_file(weeks, 1000 * round_))
            imported.append(counts["changed"])

    def grid():
        node = Node.objects.get(pk=leads.pk)
        for round_ in range(1, ROUNDS * 2 + 1):
            week = weeks[round_ % len(weeks)]
            while True:  # as the grid does: on a conflict, load the stored value and save again
                entry = Entry.objects.get(node=node, week=week)
                try:
                    set_entry(node, week, Decimal(-round_), user=None, source="grid", expected_version=entry.version)
                except EntryConflict:
                    continue
                grid_saves.append(week)
                break

    _run_in_threads(importer, grid)

    assert sum(imported) == EntryChange.objects.filter(source="import").count()
    assert len(grid_saves) == EntryChange.objects.filter(source="grid").count() == ROUNDS * 2
    # Each import wrote all of its rows: the import changes come in whole rounds.
    import_values = list(EntryChange.objects.filter(source="import").values_list("new_value", flat=True))
    by_round = {}
    for value in import_values:
        by_round.setdefault(int(value) // 1000, set()).add(int(value) % 1000)
    assert all(offsets <= set(range(len(weeks))) for offsets in by_round.values())
    assert len(by_round) == ROUNDS
    _assert_history_is_one_chain(leads, weeks)


def test_two_imports_of_the_same_entries_never_mix(tree, weeks):
    leads = Node.objects.get(code="leads")
    set_entry(leads, weeks[0], Decimal("0"), user=None, source="admin")  # the others are created by the imports

    def importer(base):
        def run():
            for round_ in range(ROUNDS):
                _import(_file(weeks, base + 10 * round_))

        return run

    _run_in_threads(importer(1000), importer(2000))

    values = [Entry.objects.get(node=leads, week=week).value for week in weeks]
    bases = {int(value) - i for i, value in enumerate(values)}
    assert len(bases) == 1, values  # every entry comes from the same import: none was applied in part
    _assert_history_is_one_chain(leads, weeks)
    for week in weeks:
        news = list(EntryChange.objects.filter(node=leads, week=week).values_list("new_value", flat=True))
        assert len(news) == len(set(news))  # no change recorded twice


def test_an_import_waits_for_a_grid_save_in_progress(tree, weeks):
    """A grid save holding the row lock: the import waits, then sees it changed and plans again."""
    leads = Node.objects.get(code="leads")
    set_entry(leads, weeks[0], Decimal("1"), user=None, source="admin")
    plan = csvfiles.build_plan(_file(weeks[:1], 500))
    locked = threading.Event()
    release = threading.Event()

    def grid():
        with transaction.atomic():
            set_entry(leads, weeks[0], Decimal("2"), user=None, source="grid")
            locked.set()
            release.wait(timeout=30)

    def importer():
        locked.wait(timeout=30)
        timer = threading.Timer(0.5, release.set)
        timer.start()
        with pytest.raises(csvfiles.ImportStale):
            csvfiles.apply(plan, None)

    _run_in_threads(grid, importer)
    assert Entry.objects.get(node=leads, week=weeks[0]).value == Decimal("2")
    assert not EntryChange.objects.filter(source="import").exists()
