"""A node's results (NodeProgress): the figures at the as-of week, its status, and the series the charts draw.

compute()'s NodeProgress builds its weekly rows (`weeks`, 157 WeekValues for a three-year period) when they are
first read (`LazyNodeProgress`): most pages read the weeks of one node or none. metrics.progress keeps a
computed node as a few values (`node_state`, read from the engine's columns without building the rows) and
rebuilds its NodeProgress from them with the same functions (`rebuild_node_progress`), without computing the
tree again.

Decisions (docs/numbers.md "Progress"):
- Achievement can be negative (a negative actual against a positive target) and is then off track.
- Where achievement is missing for a zero denominator, the status compares actual and target directly.
"""

import decimal
from collections.abc import Sequence
from dataclasses import fields
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

    start = max(d, 0)
    columns = (weeks, node.weekly, week_targets, node.reasons, week_stretch, node.weekly_forecast, d)
    return _ComputedNodeProgress.of(
        columns,
        code=node.code,
        node=data,
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


# --- series built when first read ---------------------------------------------------------------------------


def _series_property(name):
    slot = NodeProgress.__dict__[name]  # the slot of NodeProgress, where the built series is kept

    def get(self):
        try:
            return slot.__get__(self, type(self))
        except AttributeError:
            self._fill()
            return slot.__get__(self, type(self))

    # Setting goes to the slot: NodeProgress.__init__ (dataclasses.replace, copies) sets every field.
    return property(get, slot.__set__, doc=f"NodeProgress.{name}, built when first read.")


class LazyNodeProgress(NodeProgress):
    """A NodeProgress whose series (`weeks`, `cumulative_*`) may be built when first read: `_fill` sets those not
    set yet. compute() gives one (`_ComputedNodeProgress`), and so does metrics.progress for a kept result.

    It equals a NodeProgress with the same fields (== compares every field), has its repr, and pickles and
    copies as one.
    """

    __slots__ = ()

    weeks = _series_property("weeks")
    cumulative_actual = _series_property("cumulative_actual")
    cumulative_target = _series_property("cumulative_target")
    cumulative_stretch = _series_property("cumulative_stretch")
    cumulative_forecast = _series_property("cumulative_forecast")

    def _fill(self):
        raise NotImplementedError

    def _fields(self):
        return tuple(getattr(self, name) for name in _FIELDS)

    def __eq__(self, other):
        if not isinstance(other, NodeProgress):
            return NotImplemented
        return self._fields() == tuple(getattr(other, name) for name in _FIELDS)

    __hash__ = NodeProgress.__hash__

    def __reduce__(self):
        return NodeProgress, self._fields()

    def __repr__(self):
        return repr(NodeProgress(*self._fields()))


_FIELDS = tuple(item.name for item in fields(NodeProgress))
_SET = {name: NodeProgress.__dict__[name].__set__ for name in _FIELDS}
_SET_WEEKS = _SET["weeks"]


class _ComputedNodeProgress(LazyNodeProgress):
    """compute()'s NodeProgress: its weekly rows (`weeks`) are built from the engine node's columns when first
    read, as node_progress built them before (one WeekValue per week, zip stops at the shortest column)."""

    __slots__ = ("_columns",)

    @classmethod
    def of(cls, columns, **values):
        self = object.__new__(cls)
        for name, value in values.items():
            _SET[name](self, value)
        object.__setattr__(self, "_columns", columns)  # what `weeks` is built from (and node_state reads)
        return self

    def _fill(self):
        weeks, weekly, week_targets, reasons, week_stretch, weekly_forecast, d = self._columns
        forecasts = [None] * (d + 1) + weekly_forecast[d + 1 :]
        columns = zip(weeks, weekly, week_targets, reasons, week_stretch, forecasts, strict=False)
        _SET_WEEKS(self, list(map(tuple.__new__, repeat(WeekValue), columns)))  # without WeekValue's __new__


_ACTUAL, _REASON = itemgetter(WeekValue._fields.index("actual")), itemgetter(WeekValue._fields.index("reason"))


def _week_columns(result: NodeProgress, d: int):
    """(weekly values, reasons, forecasts after the index `d`) of the node's weeks, as WeekValue.actual, .reason and
    .forecast of `result.weeks` give them; from compute()'s columns without building the rows where it can."""
    columns = getattr(result, "_columns", None)
    if columns is not None:
        weeks, weekly, week_targets, reasons, week_stretch, weekly_forecast, d0 = columns
        n = len(weeks)
        if n == len(weekly) == len(week_targets) == len(reasons) == len(week_stretch) == len(weekly_forecast):
            later = weekly_forecast[d + 1 :] if d >= d0 else ([None] * (d0 + 1) + weekly_forecast[d0 + 1 :])[d + 1 :]
            return weekly, reasons, later
    rows = result.weeks
    return list(map(_ACTUAL, rows)), list(map(_REASON, rows)), [week.forecast for week in rows[d + 1 :]]


# --- rebuilding a node's results (metrics.progress) ---------------------------------------------------------


class NodeState(NamedTuple):
    """What a node's NodeProgress is rebuilt from without computing the tree again (`rebuild_node_progress`)."""

    weekly: list  # the weekly actual values (WeekValue.actual)
    reasons: list  # why each is missing (WeekValue.reason)
    projected: Decimal | None | list  # the weekly forecast of every week after the as-of week (a list, one per
    # week after it, where they differ: below a monthly node)
    run_actual: list | None  # recomputed formula nodes only: the running actual up to the as-of week
    run_forecast: list | None  # recomputed formula nodes only: the running forecast from the as-of week on


def projected_weeks(result: NodeProgress, d: int):
    """The weekly forecast of every week after the as-of week: one value where they are all alike, else a list."""
    return _projected(_week_columns(result, d)[2])


def _projected(later: list):
    if not later:
        return None
    return later[0] if later.count(later[0]) == len(later) else later


def node_state(result: NodeProgress, d: int) -> NodeState:
    """The state of a computed node at the as-of week's index `d` (the index of Progress.as_of_week)."""
    weekly, reasons, later = _week_columns(result, d)
    weekly, reasons, projected = list(weekly), list(reasons), _projected(later)
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
