"""compute() builds a node's weekly rows (NodeProgress.weeks) only when they are read (metrics.engine.results).

Its results are the ones it built at once before, field for field and digit for digit; they pickle, copy and
replace as a NodeProgress; metrics.progress keeps them without building the rows, and keeps the same.
"""

import copy
import pickle
from dataclasses import asdict, fields, replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goals.models import Department
from metrics import engine, progress
from metrics.engine import NodeProgress, WeekValue, core, results
from metrics.engine.targets import targets
from metrics.management.commands.bench import BIG_PERIOD, build_tree
from tests.metrics.test_engine_fast_paths import WEEKS, trees


def eager_node_progress(node, weeks, d, threshold, sensitivity, warnings, memo=None, impact=(None, None)):
    """node_progress as it was: every weekly row built at once, a plain NodeProgress."""
    built = results.node_progress(node, weeks, d, threshold, sensitivity, [], None, impact)
    data = node.data
    week_targets, _pace = targets(data.target, node.aggregation, weeks, data.weights, None)
    week_stretch, _pace = targets(data.stretch, node.aggregation, weeks, data.weights, None)
    forecasts = [None] * (d + 1) + node.weekly_forecast[d + 1 :]
    rows = [
        WeekValue(*row)
        for row in zip(weeks, node.weekly, week_targets, node.reasons, week_stretch, forecasts, strict=False)
    ]
    values = {item.name: NodeProgress.__dict__[item.name].__get__(built) for item in fields(NodeProgress)[3:]}
    return NodeProgress(code=built.code, node=built.node, weeks=rows, **values)


def both(tree, entries, as_of, monkeypatch):
    """compute()'s Progress, and {code: the NodeProgress built at once} of the same computation."""
    eager = {}

    def node_progress(node, *args):
        eager[node.code] = eager_node_progress(node, *args)
        return results.node_progress(node, *args)

    with monkeypatch.context() as patch:
        patch.setattr(core, "node_progress", node_progress)
        computed = engine.compute(tree, entries, as_of)
    return computed, eager


def built(result, name="weeks"):
    try:
        NodeProgress.__dict__[name].__get__(result, type(result))
    except AttributeError:
        return False
    return True


def check(computed, eager):
    d = computed.weeks.index(computed.as_of_week) if computed.weeks else -1
    assert list(computed.nodes) == list(eager)
    for code, result in computed.nodes.items():
        expected = eager[code]
        assert isinstance(result, NodeProgress) and not built(result), code
        assert built(result, "cumulative_actual")  # the running series are kept as computed
        # node_state and projected_weeks read compute()'s columns, not the rows: the same as from the rows
        for k in {d, -1, 0, d + 1, len(computed.weeks) - 1}:
            assert engine.node_state(result, k) == engine.node_state(expected, k), (code, k)
            assert engine.projected_weeks(result, k) == engine.projected_weeks(expected, k), (code, k)
        assert not built(result), code
        assert result == expected and expected == result, code
        assert repr(result) == repr(expected), code
        rows = result.weeks
        assert built(result) and result.weeks is rows
        assert rows == expected.weeks and all(type(row) is WeekValue for row in rows), code
        assert repr(result) == repr(expected) and result == expected, code


@settings(max_examples=100, deadline=None)
@given(case=trees(), as_of=st.integers(min_value=0, max_value=len(WEEKS) - 1))
def test_compute_gives_the_results_built_at_once(case, as_of):
    tree, entries = case
    with pytest.MonkeyPatch.context() as monkeypatch:
        check(*both(tree, entries, WEEKS[as_of], monkeypatch))


def test_a_tree_without_weeks(monkeypatch):
    tree = engine.TreeData(code="t", weeks=(), warning_threshold=None, nodes=(engine.NodeData("k", formula="a"),))
    computed, eager = both(tree, {}, date(2026, 4, 6), monkeypatch)
    check(computed, eager)
    assert computed.nodes["k"].weeks == []


@pytest.fixture
def bench_tree(db):
    departments = [Department.objects.create(name=f"部署{i}", position=i) for i in range(1, 3)]
    tree = build_tree("bench-large", 200, period=BIG_PERIOD, departments=departments, seed=1)
    return tree, progress.load_tree(tree, notes_for=set())


@pytest.mark.parametrize("week", [0, 100, -1])
def test_compute_gives_the_results_built_at_once_on_the_bench_tree(bench_tree, week, monkeypatch):
    tree, loaded = bench_tree
    check(*both(loaded.data, loaded.entries, tree.weeks[week], monkeypatch))


def test_a_computed_node_pickles_copies_and_replaces_as_a_node_progress(bench_tree):
    tree, loaded = bench_tree
    computed = engine.compute(loaded.data, loaded.entries, tree.weeks[100])
    for code in ("revenue", "g1", "m1_1"):
        result = computed.nodes[code]
        plain = NodeProgress(*(getattr(result, item.name) for item in fields(NodeProgress)))
        for again in (pickle.loads(pickle.dumps(result)), copy.copy(result), copy.deepcopy(result)):
            assert type(again) is NodeProgress
            assert again == result == plain and repr(again) == repr(plain)
        assert asdict(result) == asdict(plain)
        changed = replace(result, status="on_track")
        assert changed.status == "on_track" and changed.weeks == plain.weeks
        assert replace(changed, status=plain.status) == plain
    assert pickle.loads(pickle.dumps(computed)) == computed


def test_keeping_a_computed_progress_builds_no_rows_and_keeps_the_same(bench_tree):
    tree, loaded = bench_tree
    computed = engine.compute(loaded.data, loaded.entries, tree.weeks[100])
    payload = progress._encode(computed, loaded.data, loaded.packed)
    assert payload is not None
    assert not any(built(result) for result in computed.nodes.values())
    plain = replace(computed, nodes={code: pickle.loads(pickle.dumps(r)) for code, r in computed.nodes.items()})
    assert all(type(result) is NodeProgress for result in plain.nodes.values())
    assert progress._encode(plain, loaded.data, loaded.packed) == payload
    assert repr(progress._encode(plain, loaded.data, loaded.packed)) == repr(payload)
    unpacked = progress.LoadedTree(tree, loaded.data, None, loaded.nodes, loaded.depths)
    again = progress._decode(payload, unpacked)
    assert again == computed and repr(again) == repr(computed)
