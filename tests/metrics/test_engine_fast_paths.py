"""The engine's hot loops give exactly the results of the straightforward ones (tests/metrics/engine_oracle.py).

Every number is compared digit for digit (repr of the whole Progress), on random trees: formulas of every
shape, every aggregation, missing weeks, zeros of both signs, values that divide by zero, int entries (which
take the one-value-at-a-time path) and as-of weeks from the first week to the last; and on hand-made cases
where a shortcut would change a digit. Also: compute() leaves the garbage collector as it found it.
"""

import gc
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.engine import NodeData, TreeData, compute, core, forecast, impact, series
from tests.metrics import engine_oracle
from tests.metrics.engine_oracle import oracle_engine

WEEKS = tuple(date(2026, 4, 6) + timedelta(weeks=i) for i in range(8))
TEMPLATES = [
    "{0} * {1}",
    "{0} + {1}",
    "{0} - {1}",
    "{0} / {1}",
    "{0} / {1} * 100",
    "({0} + {1}) / 2",
    "2 * {0} + {1}",
    "{0} * {1} + {0}",
    "-{0} + 3 * {1}",
    "{0} + {1} + 10",
    "{0} / ({1} - {1})",
]
AGGREGATIONS = ["sum", "average", "last", "recompute"]
VALUES = [
    None,
    None,
    Decimal(0),
    Decimal("-0"),
    Decimal("0.000000"),
    Decimal(1),
    Decimal("-3"),
    Decimal("1E+2"),
    Decimal("12.5"),
    Decimal("100.000000"),
    Decimal("0.333333"),
    Decimal("987654321.123456"),
    7,
]


def both_ways(tree, entries, as_of):
    """repr() of the engine's Progress and of the oracle's."""
    fast = compute(tree, entries, as_of)
    with oracle_engine():
        slow = compute(tree, entries, as_of)
    return repr(fast), repr(slow)


@st.composite
def trees(draw):
    """A KGI over two subtrees of formula or measured nodes, with a driver or a breakdown over a child, random
    aggregations, monthly nodes and entries."""
    nodes = []
    measured = []

    def add(code, parent, depth):
        if depth < 2 and draw(st.booleans()):
            left, right = f"{code}a", f"{code}b"
            formula = draw(st.sampled_from(TEMPLATES)).format(left, right)
            nodes.append(
                NodeData(
                    code,
                    parent=parent,
                    formula=formula,
                    aggregation=draw(st.sampled_from(AGGREGATIONS)),
                    target=draw(st.sampled_from([None, Decimal(100), Decimal(0)])),
                )
            )
            add(left, code, depth + 1)
            add(right, code, depth + 1)
        else:
            weights = draw(st.sampled_from([None, tuple(Decimal(k % 3) for k in range(len(WEEKS))), (Decimal(1),)]))
            breakdown = draw(st.sampled_from(["", "", "{0} * 2", "{0} / 4 + 1", "{0} - {0}"])).format(f"{code}x")
            nodes.append(
                NodeData(
                    code,
                    parent=parent,
                    aggregation=draw(st.sampled_from(AGGREGATIONS)),
                    direction=draw(st.sampled_from(["higher", "lower"])),
                    target=draw(st.sampled_from([None, Decimal(40), Decimal("12.5")])),
                    weights=weights,
                    frequency=draw(st.sampled_from(["weekly", "weekly", "monthly"])),
                    breakdown=breakdown,
                )
            )
            measured.append(code)
            if breakdown or draw(st.booleans()):
                nodes.append(NodeData(f"{code}x", parent=code))  # a driver, or what the breakdown uses
                measured.append(f"{code}x")

    nodes.append(NodeData("k", formula=draw(st.sampled_from(TEMPLATES)).format("ka", "kb"), target=Decimal(500)))
    add("ka", "k", 1)
    add("kb", "k", 1)
    entries = {}
    for code in measured:
        values = draw(st.lists(st.sampled_from(VALUES), min_size=len(WEEKS), max_size=len(WEEKS)))
        entries[code] = {week: value for week, value in zip(WEEKS, values, strict=True) if value is not None}
    tree = TreeData(code="t", weeks=WEEKS, warning_threshold=Decimal(90), nodes=tuple(nodes))
    return tree, entries


@settings(max_examples=150, deadline=None)
@given(case=trees(), as_of=st.integers(min_value=0, max_value=len(WEEKS) - 1))
def test_fast_paths_give_the_same_progress_digit_for_digit(case, as_of):
    tree, entries = case
    fast, slow = both_ways(tree, entries, WEEKS[as_of])
    assert fast == slow


@pytest.mark.parametrize("as_of", [0, 20, 51])
@pytest.mark.parametrize("holes", [0.0, 0.1])
def test_fast_paths_on_a_large_tree(as_of, holes):
    """A bench-shaped tree (sums of deals * price, drivers) over a year, with and without missing weeks."""
    rng = random.Random(as_of)
    weeks = tuple(date(2026, 3, 30) + timedelta(weeks=i) for i in range(52))
    nodes = [NodeData("revenue", formula=" + ".join(f"g{i}" for i in range(1, 6)), target=Decimal(10**9))]
    entries = {}
    for i in range(1, 6):
        channels = [f"m{i}_{j}" for j in range(1, 9)]
        nodes += [
            NodeData(f"g{i}", parent="revenue", formula=f"d{i} * p{i}", target=Decimal(2 * 10**8)),
            NodeData(f"d{i}", parent=f"g{i}", formula=" + ".join(channels), target=Decimal(20000)),
            NodeData(f"p{i}", parent=f"g{i}", aggregation="average", target=Decimal(10000)),
            NodeData(f"r{i}", parent=f"g{i}", formula=f"w{i} / (w{i} + l{i}) * 100", aggregation="recompute"),
            NodeData(f"w{i}", parent=f"r{i}"),
            NodeData(f"l{i}", parent=f"r{i}"),
        ]
        nodes += [NodeData(code, parent=f"d{i}", target=Decimal(2500)) for code in channels]
        nodes.append(NodeData(f"x{i}", parent=channels[0]))
        for code in [*channels, f"p{i}", f"x{i}", f"w{i}", f"l{i}"]:
            base = 10000 if code.startswith("p") else 50
            entries[code] = {
                week: Decimal(rng.randint(base * 8, base * 12)) / 10 for week in weeks if rng.random() >= holes
            }
    tree = TreeData(code="big", weeks=weeks, warning_threshold=Decimal(90), nodes=tuple(nodes))
    fast, slow = both_ways(tree, entries, weeks[as_of])
    assert "formula_error" not in fast
    assert fast == slow


def test_the_oracle_replaces_the_engine_loops_wherever_they_are_used():
    engine_running = core.running
    with oracle_engine():
        assert core.running is series.running is engine_oracle.running
        assert forecast.running_continued is engine_oracle.running_continued
        assert impact._Propagation._weekly is engine_oracle.weekly
    assert core.running is engine_running is not engine_oracle.running


@pytest.mark.parametrize("as_of", [1, 3])
@pytest.mark.parametrize(("formula", "b"), [("a + b", Decimal("1E+32")), ("0 * a + b", Decimal(5))])
def test_a_change_that_does_not_move_the_value_keeps_the_old_value_object(as_of, formula, b):
    """1% more of a does not change k's value: lost when k is rounded to 34 digits (k = a + b with b at 10^32:
    0.01 more gives 100…001.0), or multiplied by 0 (5 + 0.00 is 5.00). k keeps its values (100…001, 5) and the
    KGI does not move; a shortcut for exact changes must not take over here."""
    weeks = WEEKS[:4]
    tree = TreeData(
        code="t",
        weeks=weeks,
        warning_threshold=Decimal(90),
        nodes=(NodeData("k", formula=formula), NodeData("a", parent="k"), NodeData("b", parent="k")),
    )
    entries = {"a": dict.fromkeys(weeks, Decimal(1)), "b": dict.fromkeys(weeks, b)}
    fast, slow = both_ways(tree, entries, weeks[as_of])
    assert fast == slow
    assert compute(tree, entries, weeks[as_of]).nodes["a"].sensitivity == 0


def test_compute_turns_the_garbage_collector_on_again_even_when_it_fails():
    tree = TreeData(code="t", weeks=WEEKS, warning_threshold=Decimal(90), nodes=(NodeData("k"), NodeData("k")))
    assert gc.isenabled()
    compute(TreeData("t", WEEKS, Decimal(90), (NodeData("k"),)), {"k": {WEEKS[0]: Decimal(1)}}, WEEKS[0])
    assert gc.isenabled()
    with pytest.raises(ValueError, match="appears twice"):
        compute(tree, {}, WEEKS[0])
    assert gc.isenabled()


def test_compute_hands_what_it_made_to_the_oldest_generation_unless_something_is_frozen():
    tree = TreeData("t", WEEKS, Decimal(90), tuple(NodeData(f"k{i}", target=Decimal(10)) for i in range(40)))
    entries = {f"k{i}": dict.fromkeys(WEEKS, Decimal(i)) for i in range(40)}
    made = []
    before = compute(tree, entries, WEEKS[-1])
    made.append(compute(tree, entries, WEEKS[-1]))
    assert gc.get_count()[0] < gc.get_threshold()[0]  # no young collection left to walk the result
    assert made[0] == before and gc.get_freeze_count() == 0
    kept = [[] for _ in range(100)]
    gc.freeze()  # as a server may before it forks
    try:
        frozen = gc.get_freeze_count()
        made.append(compute(tree, entries, WEEKS[-1]))
        assert gc.get_freeze_count() > frozen // 2  # left frozen (a few frozen objects may have died meanwhile)
        assert made[1] == before
    finally:
        gc.unfreeze()
    assert kept


def test_compute_leaves_a_garbage_collector_that_was_off_off():
    gc.disable()
    try:
        progress = compute(TreeData("t", WEEKS, Decimal(90), (NodeData("k"),)), {}, WEEKS[0])
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert progress.nodes["k"].status == "incomplete"
