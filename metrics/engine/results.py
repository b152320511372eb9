"""A node's results (NodeProgress): the figures at the as-of week, its status, and the series the charts draw.

metrics.progress keeps a computed node as a few values (`node_state`) and rebuilds its NodeProgress from
them with the same functions (`rebuild_node_progress`), without computing the tree again.

Decisions (docs/numbers.md "Progress"):
- Achievement can be negative (a negative actual against a positive target) and is then off track.
- Where achievement is missing for a zero denominator, the status compares actual and target directly.
"""

import decimal
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple

from metrics.engine.forecast import period_forecast
from metrics.engine.nodes import Node
from metrics.engine.series import running, running_continued
from metrics.engine.targets import targets, weights_warning
from metrics.engine.types import (
    AT_RISK,
    DEFAULT_WARNING_THRESHOLD,
    HUNDRED,
    INCOMPLETE,
    LOWER,
    NO_DATA,
    NO_ENTRY,
    OFF_TRACK,
    ON_TRACK,
    PRECISION,
    RECOMPUTE,
    NodeData,
    NodeProgress,
    WeekValue,
)


def achievement_of(actual: Decimal | None, target: Decimal | None, direction: str) -> Decimal | None:
    """Achievement in percent: actual / target (`higher`) or target / actual (`lower`); None for a zero denominator."""
    if actual is None or target is None:
        return None
    numerator, denominator = (target, actual) if direction == LOWER else (actual, target)
    if denominator == 0:
        return None
    return numerator / denominator * HUNDRED


def status_of(actual, target, achievement, direction, threshold=DEFAULT_WARNING_THRESHOLD) -> str:
    """The status by docs/numbers.md "Progress", first rule that applies."""
    if target is None:
        return INCOMPLETE
    if actual is None:
        return NO_DATA
    if achievement is None:
        good = actual <= target if direction == LOWER else actual >= target
        return ON_TRACK if good else OFF_TRACK
    if achievement >= HUNDRED:
        return ON_TRACK
    if achievement >= threshold:
        return AT_RISK
    return OFF_TRACK


def node_progress(
    node: Node, weeks, d, threshold, sensitivity, warnings, memo=None, impact=(None, None)
) -> NodeProgress:
    """The NodeProgress of a computed node; `d` is the as-of week's index, `memo` shares weekly targets, `impact`
    is (impact, its reason)."""
    data = node.data
    n = len(weeks)
    week_targets, cumulative_target = targets(data.target, node.aggregation, weeks, data.weights, memo)
    week_stretch, cumulative_stretch = targets(data.stretch, node.aggregation, weeks, data.weights, memo)
    warning = weights_warning(node, n)
    if warning is not None:
        warnings.append(warning)

    actual = node.run_actual[d] if d >= 0 else None
    reason = node.run_reasons[d] if d >= 0 else NO_ENTRY
    target_to_date = cumulative_target[d] if d >= 0 else None
    stretch_to_date = cumulative_stretch[d] if d >= 0 else None
    achievement = achievement_of(actual, target_to_date, data.direction)
    if data.target is None:
        status = INCOMPLETE
    elif actual is None:
        status = NO_DATA
    else:
        status = status_of(actual, target_to_date, achievement, data.direction, threshold)

    forecasts = [None] * (d + 1) + node.weekly_forecast[d + 1 :]
    columns = zip(weeks, node.weekly, week_targets, node.reasons, week_stretch, forecasts, strict=False)
    week_values = list(map(tuple.__new__, repeat(WeekValue), columns))  # without WeekValue's Python-level __new__
    start = max(d, 0)
    return NodeProgress(
        code=node.code,
        node=data,
        weeks=week_values,
        actual_to_date=actual,
        actual_reason=None if actual is not None else reason,
        target_to_date=target_to_date,
        stretch_to_date=stretch_to_date,
        achievement=achievement,
        status=status,
        forecast=period_forecast(node),
        sensitivity=sensitivity if node.measured else None,
        projection=node.projection,
        cumulative_actual=node.run_actual + [None] * (n - d - 1),
        cumulative_target=list(cumulative_target),
        cumulative_stretch=list(cumulative_stretch),
        cumulative_forecast=[None] * start + node.run_forecast[start:] if n else [],
        impact=impact[0],
        impact_reason=impact[1],
    )


# --- rebuilding a node's results (metrics.progress) ---------------------------------------------------------


class NodeState(NamedTuple):
    """What a node's NodeProgress is rebuilt from without computing the tree again (`rebuild_node_progress`)."""

    weekly: list  # the weekly actual values (WeekValue.actual)
    reasons: list  # why each is missing (WeekValue.reason)
    projected: Decimal | None | list  # the weekly forecast of every week after the as-of week (a list, one per
    # week after it, where they differ: below a monthly node)
    run_actual: list | None  # recomputed formula nodes only: the running actual up to the as-of week
    run_forecast: list | None  # recomputed formula nodes only: the running forecast from the as-of week on


_ACTUAL, _REASON = itemgetter(WeekValue._fields.index("actual")), itemgetter(WeekValue._fields.index("reason"))


def projected_weeks(result: NodeProgress, d: int):
    """The weekly forecast of every week after the as-of week: one value where they are all alike, else a list."""
    later = [week.forecast for week in result.weeks[d + 1 :]]
    if not later:
        return None
    return later[0] if later.count(later[0]) == len(later) else later


def node_state(result: NodeProgress, d: int) -> NodeState:
    """The state of a computed node at the as-of week's index `d` (the index of Progress.as_of_week)."""
    weeks = result.weeks
    weekly = list(map(_ACTUAL, weeks))
    reasons = list(map(_REASON, weeks))
    projected = projected_weeks(result, d)
    if result.node.is_formula and Node(result.node).aggregation == RECOMPUTE:
        # Its running values may come from its formula, not from its weekly values: kept as computed.
        return NodeState(
            weekly, reasons, projected, result.cumulative_actual[: d + 1], result.cumulative_forecast[max(d, 0) :]
        )
    return NodeState(weekly, reasons, projected, None, None)


def rebuild_node_progress(
    data: NodeData,
    weeks: Sequence[date],
    d: int,
    threshold: Decimal | None,
    state: NodeState,
    *,
    sensitivity,
    actual_reason,
    projection,
    impact=(None, None),
) -> NodeProgress:
    """The NodeProgress that compute() gave for the node, from its state and figures (the same functions run again).

    `threshold` is the tree's warning threshold, `sensitivity`, `actual_reason`, `projection` and `impact`
    ((impact, reason)) the computed node's; every other number is derived from them as compute() derives it.
    """
    node = Node(data)
    n = len(weeks)
    threshold = threshold if threshold is not None else DEFAULT_WARNING_THRESHOLD
    with decimal.localcontext(prec=PRECISION):
        node.weekly = list(state.weekly)
        node.reasons = list(state.reasons)
        node.projection = projection
        if isinstance(state.projected, list):
            node.weekly_forecast = node.weekly[: d + 1] + list(state.projected)
        else:
            node.weekly_forecast = node.weekly[: d + 1] + [state.projected] * (n - d - 1)
        if state.run_actual is not None:
            node.run_actual = list(state.run_actual)
            node.run_forecast = [None] * max(d, 0) + list(state.run_forecast)
        else:
            node.run_actual = running(node.weekly[: d + 1], node.aggregation)
            node.run_forecast = running_continued(node.run_actual, node.weekly_forecast, node.aggregation)
        node.run_reasons = [None] * d + [actual_reason] if d >= 0 else []
        return node_progress(node, list(weeks), d, threshold, sensitivity, [], impact=impact)
