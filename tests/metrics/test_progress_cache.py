"""A tree's progress kept between requests (metrics.progress): the same numbers, new ones at once.

The key is (release, tree, data version, as-of week): every change below goes through the application's write
paths, which raise the tree's data version (tests/metrics/test_data_version.py, tests/goals/test_structure.py).
"""

import json
import pickle
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from goals import editing
from goals.models import Department, Node, Tree
from goals.treefile import export_tree, import_tree
from metrics import csvfiles, engine, progress
from metrics.entries import set_entry
from metrics.management.commands.bench import build_tree
from metrics.models import Entry, EntryChange
from tests.metrics.dashboard_data import W1, W2, W3, entries, today  # noqa: F401 (fixtures)
from tests.metrics.test_engine_fast_paths import WEEKS, trees

pytestmark = pytest.mark.django_db


@pytest.fixture
def nodes(request):
    """The tree's nodes by code, with the dashboard tests' entries."""
    return request.getfixturevalue("entries")


def fresh(tree, as_of=W3):
    loaded = progress.load_tree(tree)
    return engine.compute(loaded.data, loaded.entries, as_of)


def cached(tree, as_of=W3, notes_for=frozenset()):
    return progress.tree_progress(tree, as_of, notes_for=set(notes_for))


def same(progress, expected):
    """Equal in every field, digit for digit (repr shows every Decimal's exponent and sign)."""
    return progress == expected and repr(progress) == repr(expected)


# --- the same numbers ---------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(case=trees(), as_of=st.integers(min_value=0, max_value=len(WEEKS) - 1))
def test_a_node_rebuilt_from_its_state_is_the_computed_one(case, as_of):
    tree, stored = case
    progress = engine.compute(tree, stored, WEEKS[as_of])
    by_code = {node.code: node for node in tree.nodes}
    for code, result in progress.nodes.items():
        rebuilt = engine.rebuild_node_progress(
            by_code[code],
            tree.weeks,
            as_of,
            tree.warning_threshold,
            engine.node_state(result, as_of),
            sensitivity=result.sensitivity,
            actual_reason=result.actual_reason,
            projection=result.projection,
            impact=(result.impact, result.impact_reason),
        )
        assert repr(rebuilt) == repr(result), code


@pytest.mark.usefixtures("entries")
@pytest.mark.parametrize("as_of", [W1, W3, date(2027, 3, 29), date(2030, 1, 1)])
def test_a_cache_hit_gives_the_computed_numbers(tree, as_of, django_assert_num_queries):
    first = cached(tree, as_of)
    with django_assert_num_queries(1):  # the nodes only: neither entries nor the engine
        hit = cached(tree, as_of)
    assert type(hit.progress.nodes["revenue"]).__name__ == "_CachedNodeProgress"
    assert same(hit.progress, first.progress)
    assert same(hit.progress, fresh(tree, as_of))
    assert hit.loaded.has_entries
    assert [node.code for node in hit.loaded.nodes] == [node.code for node in first.loaded.nodes]


@pytest.mark.usefixtures("entries")
def test_a_cache_hit_of_a_monthly_node_and_a_breakdown_gives_the_computed_numbers(tree):
    """A monthly node's projected weeks differ (due weeks only), and so do its parents': they are kept one by one."""
    Node.objects.filter(tree=tree, code="deals").update(breakdown="leads / 10")
    Node.objects.filter(tree=tree, code="avg_deal_size").update(frequency=Node.Frequency.MONTHLY)
    Tree.bump_data_version(tree.pk)
    tree.refresh_from_db()
    first = cached(tree)
    hit = cached(tree)
    assert type(hit.progress.nodes["revenue"]).__name__ == "_CachedNodeProgress"
    expected = fresh(tree)
    assert same(hit.progress, first.progress) and same(hit.progress, expected)
    later = [week.forecast for week in hit.progress.nodes["avg_deal_size"].weeks[3:]]
    assert None in later and any(value is not None for value in later)
    assert hit.progress.nodes["leads"].impact == expected.nodes["leads"].impact != 0  # through the breakdown


@pytest.mark.usefixtures("entries")
def test_a_hit_reads_only_the_weeks_a_page_asks_for(tree):
    cached(tree)
    hit = cached(tree).progress
    revenue = hit.nodes["revenue"]
    assert revenue.status == "off_track"
    assert "weeks" not in _filled(revenue)
    assert revenue.weeks[1].actual == Decimal(1800000)
    assert "weeks" in _filled(revenue) and "weeks" not in _filled(hit.nodes["deals"])


def _filled(result):
    filled = set()
    for name in ("weeks", "cumulative_actual"):
        try:
            engine.NodeProgress.__dict__[name].__get__(result, type(result))
        except AttributeError:
            continue
        filled.add(name)
    return filled


@pytest.mark.usefixtures("entries")
def test_a_cached_node_pickles_and_copies_as_a_computed_one(tree):
    cached(tree)
    result = cached(tree).progress.nodes["deals"]
    again = pickle.loads(pickle.dumps(result))
    assert type(again) is engine.NodeProgress
    assert again == result and result == again
    assert repr(again) == repr(fresh(tree).nodes["deals"])


@pytest.mark.usefixtures("entries")
def test_missing_numbers_and_notes_come_with_a_hit(tree, nodes):
    Entry.objects.filter(node=nodes["leads"], week=W3).update(note="展示会")
    first = cached(tree, notes_for={"leads"})
    hit = cached(tree, notes_for={"leads"})
    assert hit.loaded.entries is None and first.loaded.entries is not None
    assert hit.loaded.notes == first.loaded.notes == {"leads": {W3: "展示会"}}
    for code in ("deals", "avg_deal_size", "leads"):
        for week in (W1, W2, W3, date(2026, 4, 20)):
            assert hit.loaded.has_entry(code, week) == first.loaded.has_entry(code, week), (code, week)
    assert not hit.loaded.has_entry("avg_deal_size", W3)


def test_results_that_text_cannot_keep_are_not_kept():
    weeks = WEEKS[:2]
    tree = engine.TreeData(
        "t", weeks, Decimal(90), (engine.NodeData("k", formula="a"), engine.NodeData("a", "a", "k"))
    )
    result = engine.compute(tree, {"a": {weeks[0]: 7}}, weeks[0])  # an int, which the database never gives
    assert progress._encode(result, tree) is None


# --- new numbers at once ------------------------------------------------------------------------------------


def _entry_saved(tree, nodes, person):
    set_entry(nodes["leads"], W3, Decimal(60), user=person, source=EntryChange.Source.GRID)


def _entry_deleted(tree, nodes, person):
    set_entry(nodes["deals"], W2, None, user=person, source=EntryChange.Source.GRID)


def _entry_changed_back_and_forth(tree, nodes, person):
    set_entry(nodes["leads"], W3, Decimal(61), user=person, source=EntryChange.Source.GRID)
    set_entry(nodes["leads"], W3, Decimal(50), user=person, source=EntryChange.Source.GRID)
    set_entry(nodes["deals"], W3, Decimal(6), user=person, source=EntryChange.Source.GRID)


def _entries_imported(tree, nodes, person):
    text = f"tree,node,week,value\n{tree.code},avg_deal_size,{W3.isoformat()},480000\n"
    plan = csvfiles.build_plan(text, user=None)
    assert not plan.errors
    csvfiles.apply(plan, None)


def _entries_loaded_in_bulk(tree, nodes, person):
    Entry.objects.bulk_create([Entry(node=nodes["avg_deal_size"], week=W3, value=Decimal(400000))])
    Tree.bump_data_version(tree.pk)  # what a bulk load does after writing (load_demo, bench)


def _node_edited(tree, nodes, person):
    nodes["deals"].save_versioned(person, {"target": Decimal(300)})


def _formula_edited(tree, nodes, person):
    nodes["revenue"].save_versioned(person, {"formula": "deals * avg_deal_size * 2"})


def _node_renamed(tree, nodes, person):
    nodes["leads"].save_versioned(person, {"name": "新規リード"})


def _node_archived(tree, nodes, person):
    editing.remove(nodes["leads"], person)


def _node_restored(tree, nodes, person):
    editing.restore(Node.objects.get(pk=nodes["leads"].pk), person)


_node_restored.before = _node_archived


def _node_added(tree, nodes, person):
    # As goals.views.nodes.create_node adds a node: saved, then the tree's data version raised.
    Node.objects.create(tree=tree, parent=nodes["deals"], code="events", name="イベント", target=Decimal(10))
    Tree.bump_data_version(tree.pk)


def _threshold_changed(tree, nodes, person):
    tree.save_versioned(person, {"warning_threshold": Decimal(99)})


def _period_changed(tree, nodes, person):
    tree.save_versioned(person, {"period_end": date(2026, 12, 31)})


def _tree_file_imported(tree, nodes, person):
    data = export_tree(tree)
    data["nodes"] = [item for item in data["nodes"] if item["code"] != "leads"]
    for item in data["nodes"]:
        if item["code"] == "avg_deal_size":
            item["target"] = "600000"
    import_tree(data, person)


CHANGES = [
    _entry_saved,
    _entry_deleted,
    _entry_changed_back_and_forth,
    _entries_imported,
    _entries_loaded_in_bulk,
    _node_edited,
    _formula_edited,
    _node_renamed,
    _node_archived,
    _node_restored,
    _node_added,
    _threshold_changed,
    _period_changed,
    _tree_file_imported,
]


@pytest.mark.parametrize("change", CHANGES, ids=[change.__name__.strip("_") for change in CHANGES])
def test_every_change_shows_at_once(tree, nodes, admin, change):
    if hasattr(change, "before"):
        change.before(tree, nodes, admin)
    tree = Tree.objects.get(pk=tree.pk)  # as a page reads it (90.00, not the fixture's 90)
    before = cached(tree).progress
    assert same(cached(tree).progress, before)  # kept
    change(tree, nodes, admin)
    tree = Tree.objects.get(pk=tree.pk)
    after = cached(tree).progress
    expected = fresh(tree)
    assert same(after, expected)
    assert not same(after, before)
    assert same(cached(tree).progress, expected)  # and kept again


def test_the_dashboard_shows_a_saved_cell_at_once(client, member, tree, nodes):
    client.force_login(member)
    url = reverse("metrics:progress-json", args=[tree.pk])

    def leads_to_date():
        data = json.loads(client.get(url).content)
        return next(item["actual_to_date"] for item in data["nodes"] if item["code"] == "leads")

    assert leads_to_date() == leads_to_date() == "135"
    key = f"{nodes['leads'].pk}-{W3:%Y%m%d}"
    response = client.post(
        reverse("metrics:save-cell"),
        {f"v-{key}": "60", f"ver-{key}": "1", f"orig-{key}": "50"},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-outcome="saved"' in response.content.decode()
    assert leads_to_date() == "145"


# --- queries and failures -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("today")
def test_a_miss_reads_the_entries_in_one_more_query_whatever_the_size(marketing, sales, django_assert_num_queries):
    period = (date(2026, 4, 1), date(2027, 3, 31))
    for size in (10, 200):
        tree = build_tree(f"t{size}", size, period=period, departments=[marketing, sales], entry_weeks=3)
        with django_assert_num_queries(2):  # nodes, entries
            cached(tree)
        with django_assert_num_queries(1):  # nodes
            cached(tree)
        with django_assert_num_queries(2):  # nodes, the notes asked for
            cached(tree, notes_for={"m1_1"})


@pytest.mark.usefixtures("today")
def test_pages_run_the_same_queries_on_a_miss_whatever_the_size(client, member, marketing, sales):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    period = (date(2026, 4, 1), date(2027, 3, 31))
    client.force_login(member)
    counts = {}
    for size in (10, 200):
        tree = build_tree(f"t{size}", size, period=period, departments=[marketing, sales], entry_weeks=3)
        kgi = tree.nodes.get(parent=None)
        for name, url in {
            "dashboard": reverse("metrics:dashboard", args=[tree.pk]),
            "chart": reverse("metrics:node-chart-data", args=[kgi.pk]),
            "progress-json": reverse("metrics:progress-json", args=[tree.pk]),
        }.items():
            client.get(reverse("password_change"))  # the session, warm
            cache.clear()
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.setdefault(name, set()).add(len(captured))
    assert counts == {"dashboard": {6}, "chart": {6}, "progress-json": {5}}


@pytest.mark.usefixtures("entries")
def test_without_a_working_cache_the_numbers_are_computed(tree, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "get_many", broken)
    monkeypatch.setattr(cache, "set_many", broken)
    assert same(cached(tree).progress, fresh(tree))


@pytest.mark.usefixtures("entries")
def test_the_key_holds_the_release_and_the_week(tree, settings):
    cached(tree)
    assert cached(tree).loaded.entries is None  # a hit
    settings.RELEASE = "another-release"
    assert cached(tree).loaded.entries is not None  # a miss
    assert cached(tree, W2).loaded.entries is not None
    assert cached(tree, date(2026, 4, 8)).loaded.entries is None  # the same week as W2


# --- the dashboard's rendered numbers -------------------------------------------------------------------------


def numbers(page):
    """The dashboard's numbers: from their <div> to the end of the main content, where the scripts follow."""
    start = page.index('<div id="dashboard-numbers"')
    return page[start : page.index("</main>", start)]


def _numbers_in_cache():
    return [key for key in cache._cache if "dashboard-numbers" in key]  # locmem's store


def test_the_dashboard_keeps_its_numbers_and_shows_changes_at_once(client, member, tree, nodes):
    client.force_login(member)
    url = reverse("metrics:dashboard", args=[tree.pk])
    first = client.get(url).content.decode()
    assert len(_numbers_in_cache()) == 1
    again = client.get(url).content.decode()
    assert numbers(again) == numbers(first) and "135件" in numbers(first)
    assert client.get(url, HTTP_HX_REQUEST="true").content.decode() in first  # the minute's refresh
    set_entry(nodes["leads"], W3, Decimal(60), user=member, source=EntryChange.Source.GRID)
    changed = client.get(url).content.decode()
    assert "145件" in numbers(changed) and "135件" not in numbers(changed)
    assert len(_numbers_in_cache()) == 2


@pytest.mark.usefixtures("entries")
def test_kept_numbers_follow_the_language_the_address_and_the_names(client, member, tree, marketing):
    client.force_login(member)
    url = reverse("metrics:dashboard", args=[tree.pk])
    japanese = client.get(url).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert "着地見込み" in japanese and "Landing forecast" in english
    filtered = client.get(url, {"department": marketing.pk}).content.decode()
    assert filtered.count('class="tree-node') < english.count('class="tree-node')
    marketing.name = "マーケ本部"
    marketing.save()
    assert "マーケ本部" in client.get(url).content.decode()
    assert len(_numbers_in_cache()) == 4


# --- what the key is made of --------------------------------------------------------------------------------


def _kept():
    return set(cache._cache)  # locmem's store: every key kept


@pytest.mark.usefixtures("entries")
def test_the_key_is_the_release_the_tree_its_data_version_and_the_week(tree, settings):
    settings.RELEASE = "r7"
    tree = Tree.objects.get(pk=tree.pk)
    cached(tree)
    assert [key.split(":", 2)[2] for key in _kept()] == [f"goaltree:progress:r7:{tree.pk}:{tree.data_version}:{W3}"]
    Tree.bump_data_version(tree.pk)
    tree = Tree.objects.get(pk=tree.pk)
    assert cached(tree).loaded.entries is not None  # a miss: the new version is not kept yet
    assert len(_kept()) == 2


@pytest.mark.usefixtures("entries")
def test_parameters_the_dashboard_does_not_read_keep_nothing_new(client, member, tree):
    client.force_login(member)
    url = reverse("metrics:dashboard", args=[tree.pk])
    first = client.get(url).content.decode()
    kept = _kept()
    assert len([key for key in kept if "dashboard-numbers" in key]) == 1
    for params in ({"junk": "1"}, {"junk": "2"}, {"junk": "x" * 300, "other": "3"}):
        page = client.get(url, params).content.decode()
        assert numbers(page) == numbers(first)
        assert client.get(url, params, HTTP_HX_REQUEST="true").status_code == 200
    assert _kept() == kept
    client.get(url, {"as_of": "2026-04-13"})
    with_week = _kept()
    assert len(with_week) == len(kept) + 1  # the numbers that link to their week (the progress is the same)
    client.get(url, {"as_of": "2026-04-15", "junk": "4"})  # another day of the same week
    assert _kept() == with_week


@pytest.mark.usefixtures("entries")
def test_a_new_release_computes_and_renders_again(client, member, tree, settings):
    client.force_login(member)
    url = reverse("metrics:dashboard", args=[tree.pk])
    client.get(url)
    kept = _kept()
    settings.RELEASE = "next"
    client.get(url)
    assert len(_kept()) == 2 * len(kept)
    assert all(key in _kept() for key in kept)  # the old ones are left to expire, never read


def test_renaming_a_department_shows_at_once_on_the_trees_that_show_it(tree, marketing, sales):
    other = Tree.objects.create(
        code="other", name="Other", period_start=date(2026, 4, 1), period_end=date(2027, 3, 31)
    )
    before = {item.pk: item.data_version for item in Tree.objects.all()}
    sales.name = "営業本部"
    sales.save()
    after = {item.pk: item.data_version for item in Tree.objects.all()}
    assert after == {tree.pk: before[tree.pk] + 1, other.pk: before[other.pk]}
    Department.objects.create(name="新しい部署")  # a new department is on no tree yet
    assert {item.pk: item.data_version for item in Tree.objects.all()} == after


@pytest.mark.usefixtures("entries")
def test_the_dashboard_renders_its_numbers_when_the_cache_keeps_nothing(client, member, tree, monkeypatch):
    """As with Redis down: config.cache.ResilientRedisCache answers every read with a miss."""
    client.force_login(member)
    url = reverse("metrics:dashboard", args=[tree.pk])
    expected = numbers(client.get(url).content.decode())
    monkeypatch.setattr(cache, "get", lambda key, default=None, version=None: default)
    monkeypatch.setattr(cache, "get_many", lambda keys, version=None: {})
    monkeypatch.setattr(cache, "set", lambda *args, **kwargs: None)
    monkeypatch.setattr(cache, "set_many", lambda *args, **kwargs: [])
    for _ in range(2):
        page = client.get(url).content.decode()
        assert numbers(page) == expected and "135件" in expected
