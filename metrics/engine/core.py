"""compute(): every number of docs/numbers.md "Progress" for a tree at an as-of week, from plain data.

The steps, children before parents where values flow up: prepare the tree (nodes.prepare), each node's weekly
values and running value up to the as-of week (`_compute_actual`), the forecast (forecast.compute_forecast),
the sensitivities (impact.sensitivities), each node's results (results.node_progress), the warnings.
"""

import contextlib
import decimal
import gc
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from goals.periods import clamp_week
from metrics.engine.evaluation import evaluate, evaluate_series
from metrics.engine.forecast import compute_forecast
from metrics.engine.impact import impacts, sensitivities
from metrics.engine.nodes import prepare
from metrics.engine.results import node_progress
from metrics.engine.series import complete_and_plain, has_missing, running
from metrics.engine.targets import check_targets, targets_differ
from metrics.engine.types import (
    BREAKDOWN_MISMATCH,
    DEFAULT_WARNING_THRESHOLD,
    DIVISION_BY_ZERO,
    FORMULA_ERROR,
    MISSING_INPUT,
    MONTHLY,
    NO_ENTRY,
    PRECISION,
    RECOMPUTE,
    EngineWarning,
    Progress,
    TreeData,
)

FOURTH_DAY = timedelta(days=3)


def compute(tree: TreeData, entries: Mapping[str, Mapping[date, Decimal]], as_of: date) -> Progress:
    """Everything in docs/numbers.md "Progress" for `tree` at the week that holds `as_of`."""
    with decimal.localcontext(prec=PRECISION), collector_paused():
        return _compute(tree, entries, as_of)


@contextlib.contextmanager
def collector_paused():
    """Python's cyclic garbage collector off while compute() runs, back on after (if it was on before).

    compute() allocates tens of thousands of objects that live until it returns (every Decimal is tracked by
    the collector), so collections during it find nothing to free and only walk them again and again, and
    promote them to the oldest generation, whose full collections walk the whole heap. Reference counting
    frees everything as usual meanwhile; the few cycles compute() makes (nodes and their parents) are broken
    when it is done. Threads share the switch: one that finds it off leaves it off, as the one that turned it
    off turns it on again.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        _to_oldest_generation()
        gc.enable()


def _to_oldest_generation():
    """Move every object the collector tracks to its oldest generation without walking them (freezing then
    unfreezing them does that, and empties the young generations).

    Else the first allocation after gc.enable() starts a collection of the young generation, which holds every
    object made while the collector was off: for a 200-node tree it walks the ≈ 150,000 objects of the result,
    ≈ 10 ms, to find nothing. In the oldest generation they are only walked by a full collection, which the
    collector starts when that generation has grown by a quarter through its own promotions; a result usually
    dies before (reference counting frees it as usual). Young objects of the rest of the process move too: a
    cycle among them that becomes garbage is freed by the next full collection instead of a young one. Where
    something froze objects on purpose (a server that calls gc.freeze() before it forks its workers), nothing
    is moved: unfreezing would hand them back to the collector.
    """
    if gc.get_freeze_count():
        return
    gc.freeze()
    gc.unfreeze()


def weekly_values(tree: TreeData, entries: Mapping[str, Mapping[date, Decimal]]) -> dict[str, list[tuple]]:
    """{code: [(value, reason) per week]}: every node's weekly values, exactly as compute() gives them
    (WeekValue.actual and .reason), without the rest (running values, forecasts, sensitivity). A weekly value
    depends on its week's entries only, so `tree` may hold just the weeks wanted (the entry grid's)."""
    with decimal.localcontext(prec=PRECISION):
        weeks = list(tree.weeks)
        nodes, order = prepare(tree, [])
        for node in order:
            _compute_actual(node, entries.get(node.code) or {}, weeks, len(weeks) - 1)
        return {node.code: list(zip(node.weekly, node.reasons, strict=True)) for node in nodes}


def _compute(tree: TreeData, entries, as_of: date) -> Progress:
    weeks = list(tree.weeks)
    n = len(weeks)
    as_of_week = clamp_week(as_of, weeks, tree.week_start)
    d = weeks.index(as_of_week) if n else -1
    warnings: list[EngineWarning] = []
    nodes, order = prepare(tree, warnings)

    for node in order:
        _compute_actual(node, entries.get(node.code) or {}, weeks, d)
    due = None
    for node in order:
        if node.measured and node.data.frequency == MONTHLY:
            node.due = due = due or due_weeks(weeks)
        compute_forecast(node, n, d)

    kgi = next((node for node in nodes if node.data.parent is None), None)
    by_code = sensitivities(nodes, kgi, n, d)
    impact_of = impacts(nodes, kgi)
    threshold = tree.warning_threshold if tree.warning_threshold is not None else DEFAULT_WARNING_THRESHOLD

    results = {}
    memo = {}
    for node in nodes:
        results[node.code] = node_progress(
            node, weeks, d, threshold, by_code.get(node.code), warnings, memo, impact_of[node.code]
        )
    check_targets(nodes, warnings)
    _breakdown_warnings(nodes, d, warnings)
    _formula_warnings(nodes, weeks, d, warnings)

    order_of = {data.code: i for i, data in enumerate(tree.nodes)}
    warnings.sort(key=lambda warning: order_of.get(warning.node, len(order_of)))
    for node in nodes:  # no cycles left for the collector: reference counting frees the prepared tree
        node.parent = node.children = node.inputs = None
    return Progress(
        tree=tree.code,
        weeks=tuple(weeks),
        as_of_week=as_of_week,
        nodes=results,
        kgi=kgi.code if kgi else None,
        ranking=ranking(nodes, kgi, by_code),
        warnings=warnings,
    )


def ranking(nodes, kgi, by_code) -> list[str]:
    """Measured KPIs by the size of their sensitivity (absolute value), largest first, ties in tree order.

    The KGI (when it is measured) and missing sensitivities are left out.
    """
    ranked = (node for node in nodes if node.measured and node is not kgi and by_code.get(node.code) is not None)
    return [node.code for node in sorted(ranked, key=lambda node: -abs(by_code[node.code]))]


def due_weeks(weeks) -> tuple[bool, ...]:
    """Whether each week is a monthly node's due week: the first week whose fourth day is in its month (the
    fourth day is then one of the month's first seven days)."""
    return tuple((week + FOURTH_DAY).day <= 7 for week in weeks)


def _breakdown_warnings(nodes, d, warnings: list) -> None:
    """`breakdown_mismatch`: a measured node whose actual to date differs by more than 1% from its breakdown over
    its children's actuals to date (relative to the node's actual; any difference when that is 0). Not checked
    where an actual to date is missing or the breakdown has no value for them."""
    if d < 0:
        return
    for node in nodes:
        if node.breakdown is None or node.run_actual[d] is None:
            continue
        values = {child.code: child.run_actual[d] for child in node.breakdown_inputs}
        if None in values.values():
            continue
        expected, _reason = evaluate(node.breakdown, values)
        actual = node.run_actual[d]
        if expected is not None and targets_differ(expected, actual):
            warnings.append(
                EngineWarning(
                    BREAKDOWN_MISMATCH, node.code, expected=expected, actual=actual, inputs=node.breakdown.references
                )
            )


def _compute_actual(node, node_entries, weeks, d):
    """Weekly values and their running value up to the as-of week (children are done first)."""
    n = len(weeks)
    if node.measured:
        node.weekly = list(map(node_entries.get, weeks))
        every_week, node.plain = complete_and_plain(node.weekly)
        if every_week:
            node.reasons = [None] * n
        else:
            node.reasons = [None if value is not None else NO_ENTRY for value in node.weekly]
        node.complete = every_week or not has_missing(node.weekly[: d + 1])
    elif node.formula is None:
        node.weekly = [None] * n
        node.reasons = [FORMULA_ERROR] * n
    else:
        node.fast = all(child.plain for child in node.inputs)
        inputs = [child.weekly for child in node.inputs]
        node.weekly, node.reasons = evaluate_series(node, inputs, n)
        node.complete = not has_missing(node.weekly[: d + 1])

    if node.formula is not None and node.aggregation == RECOMPUTE:
        inputs = [child.run_actual for child in node.inputs]
        node.run_actual, node.run_reasons = evaluate_series(node, inputs, d + 1)
    else:
        node.run_actual = running(node.weekly[: d + 1], node.aggregation, node.complete)
        if node.complete:  # then every running value is present
            node.run_reasons = [None] * (d + 1)
        elif node.measured:
            node.run_reasons = [None if value is not None else NO_ENTRY for value in node.run_actual]
        elif node.formula is None:
            node.run_reasons = [FORMULA_ERROR] * (d + 1)
        else:
            node.run_reasons = _range_reasons(node.run_actual, node.reasons)


def _range_reasons(running_values, weekly_reasons):
    """Why each running value is missing: the reason of its weeks (all missing) when they agree on one."""
    result = []
    seen = set()
    for value, reason in zip(running_values, weekly_reasons, strict=False):
        seen.add(reason)
        if value is not None:
            result.append(None)
        else:
            result.append(DIVISION_BY_ZERO if seen == {DIVISION_BY_ZERO} else MISSING_INPUT)
    return result


def _formula_warnings(nodes, weeks, d, warnings: list) -> None:
    """`division_by_zero` for every week of the period whose value divides by zero; `missing_input` naming the
    measured direct inputs without an entry, for the weeks up to the as-of week (later ones are not due yet).
    A missing formula input is not repeated up the tree."""
    for node in nodes:
        if node.formula is None:
            continue
        zero_weeks = tuple(
            week for week, reason in zip(weeks, node.reasons, strict=True) if reason == DIVISION_BY_ZERO
        )
        if zero_weeks:
            warnings.append(EngineWarning(DIVISION_BY_ZERO, node.code, weeks=zero_weeks))
        measured_inputs = [child for child in node.inputs if child.measured]
        missing_weeks = []
        missing_codes = set()
        for k in range(d + 1):
            if node.reasons[k] != MISSING_INPUT:
                continue
            absent = [child.code for child in measured_inputs if child.weekly[k] is None]
            if absent:
                missing_weeks.append(weeks[k])
                missing_codes.update(absent)
        if missing_weeks:
            codes = tuple(code for code in node.refs if code in missing_codes)
            warnings.append(EngineWarning(MISSING_INPUT, node.code, weeks=tuple(missing_weeks), inputs=codes))
