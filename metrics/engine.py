"""The progress engine: every number of DESIGN.md "Progress", from plain data. No ORM, Decimal throughout.

Input (built from the database by metrics.loading.load_tree_data, or by hand in tests)::

    tree = TreeData(code="fy2026-marketing", weeks=(date(2026, 3, 30), ...), warning_threshold=Decimal(90),
                    nodes=(NodeData(code="revenue", formula="deals * avg_deal_size", target=Decimal(120000000)),
                           NodeData(code="deals", parent="revenue", target=Decimal(240)), ...))
    entries = {"deals": {date(2026, 3, 30): Decimal(5), ...}, ...}   # measured nodes only; absent = missing
    progress = compute(tree, entries, as_of=date(2026, 7, 1))

Output: a `Progress` with `as_of_week`, `nodes` (code -> `NodeProgress`, in tree order), `kgi`, `ranking`
(measured KPIs by how much they move the KGI) and `warnings` (`EngineWarning`, with `message(tree)`).
A `NodeProgress` holds the weekly values (`weeks`: `WeekValue` per week of the period), the figures at the
as-of week (actual/target/stretch to date, achievement in percent, status), the landing forecast, the
sensitivity, and the cumulative series the charts draw (one item per week, None where not drawn).

Also here: `weekly_targets` (spreading a period target over the weeks), `driver_evidence` (lagged
correlation of a driver with its parent) and `initiative_effect` (before/after means of an initiative).

Decisions where DESIGN.md is silent (also in the report of the change that added this module):
- A measured node with aggregation `recompute` (nothing to recompute) is aggregated as `average`.
- Sums, means and formulas run with 34 significant digits; nothing is rounded here (display rounds).
- Seasonality weights that are not one non-negative number per week, or that add up to zero, are
  ignored with a `weights_ignored` warning and the target is spread evenly; weights on non-`sum` nodes
  are ignored silently (their period target is every week's target anyway).
- Weekly targets are rounded half up to 6 decimal places.
- A formula that does not parse, or that names a code that is not a direct child, makes every value
  of its node missing (reason `formula_error`) with a `formula_error` warning.
- `missing_input` warnings name the measured direct inputs without an entry, for the weeks up to the
  as-of week only (later weeks are not due yet); a missing formula input is not repeated up the tree.
- `division_by_zero` warnings list every week of the period whose computed value divides by zero.
- Targets that do not add up: the difference is relative to the node's own target (any difference
  when that target is 0); not checked when a child's target is missing or the check divides by zero.
- Sensitivity is the elasticity (F' - F) / F x 100 with F the KGI forecast; a measured KGI gets its
  own sensitivity (1) but is left out of `ranking`. The ranking orders measured KPIs by the size of
  their sensitivity (absolute value), largest first, ties in tree order; missing sensitivities are left
  out. When the KGI forecast is missing or zero, every sensitivity is missing.
- Achievement can be negative (a negative actual against a positive target) and is then off track.
- A measured node whose values are all zero gets sensitivity 0 (1% more of nothing).
- Initiatives: the start week is the week that holds the start date and counts as "after".
- Drivers: r is missing with fewer than 2 pairs or without variation; the best lag needs 3 pairs,
  ties go to the shorter lag.

Speed (docs/performance.md: the bench's 200 nodes over 156 weeks take some 60-90 ms, over 52 weeks some 25):
formulas are parsed once and evaluated over whole series at a time (goals.formulas.Formula.evaluate_series);
running values, 1% changes and sums of a coefficient times a change run in C loops (map, accumulate) with
the same operations in the same order as one value at a time (FAST_PATHS; tests compare both digit for
digit); every projected week has the same inputs, so one evaluation serves them all; sensitivity recomputes
only the changed node's ancestors and their changed weeks (see `_Propagation`). Results are also kept
between requests by metrics.progress_cache, which rebuilds a node's weekly series from a few values
(`node_state`, `rebuild_node_progress`), and the entry grid needs only `weekly_values`.
"""

from __future__ import annotations

import decimal
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from itertools import accumulate, compress, repeat
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from goals.formatting import number, week_label
from goals.formulas import DivisionByZero, EvaluationError, FormulaError, MissingInput, check
from goals.periods import clamp_week, week_containing

SUM, AVERAGE, LAST, RECOMPUTE = "sum", "average", "last", "recompute"
HIGHER, LOWER = "higher", "lower"
ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA, INCOMPLETE = "on_track", "at_risk", "off_track", "no_data", "incomplete"

# Why a value is missing (WeekValue.reason, NodeProgress.actual_reason).
NO_ENTRY = "no_entry"  # a measured node without an entry (for a range: without any entry in it)
MISSING_INPUT = "missing_input"  # a formula input is missing
DIVISION_BY_ZERO = "division_by_zero"
FORMULA_ERROR = "formula_error"  # the node's formula cannot be used

# EngineWarning.kind
TARGETS_DO_NOT_ADD_UP = "targets_do_not_add_up"
WEIGHTS_IGNORED = "weights_ignored"

DEFAULT_WARNING_THRESHOLD = Decimal(90)
HUNDRED = Decimal(100)
ONE_PERCENT_UP = Decimal("1.01")
TARGET_TOLERANCE = Decimal("0.01")
SIX_PLACES = Decimal("0.000001")
PRECISION = 34
WARNING_WEEKS_SHOWN = 3
# Whole series at a time in C loops (map, accumulate) where the operations and their order stay the same as one
# value at a time; False runs the straightforward loops, which tests compare it with (tests/metrics/test_engine.py).
FAST_PATHS = True


# --- input ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeData:
    code: str
    name: str = ""
    parent: str | None = None  # the parent's code; None for the KGI
    formula: str = ""  # "" for a measured node
    aggregation: str = SUM
    direction: str = HIGHER
    target: Decimal | None = None
    stretch: Decimal | None = None
    weights: tuple[Decimal, ...] | None = None  # one per week of the period, for `sum` targets
    unit: str = ""

    @property
    def is_formula(self) -> bool:
        return bool(self.formula.strip())


@dataclass(frozen=True)
class TreeData:
    code: str
    weeks: tuple[date, ...]  # goals.periods.period_weeks of the tree's period
    warning_threshold: Decimal
    nodes: tuple[NodeData, ...]  # parents before children, siblings in their order
    week_start: int = 0  # 0 = Monday
    name: str = ""


# --- output -----------------------------------------------------------------------------------------------


class WeekValue(NamedTuple):
    week: date
    actual: Decimal | None  # as entered or computed, weeks after the as-of week included
    target: Decimal | None  # the week's committed target
    reason: str | None  # why `actual` is missing: NO_ENTRY, MISSING_INPUT, DIVISION_BY_ZERO, FORMULA_ERROR
    stretch: Decimal | None  # the week's stretch target
    forecast: Decimal | None  # the projected weekly value, for weeks after the as-of week only


_new_week_value = partial(tuple.__new__, WeekValue)  # WeekValue(*fields) without its Python-level __new__


@dataclass(frozen=True)
class EngineWarning:
    kind: str  # TARGETS_DO_NOT_ADD_UP, DIVISION_BY_ZERO, MISSING_INPUT, FORMULA_ERROR, WEIGHTS_IGNORED
    node: str  # the code of the node it is about
    expected: Decimal | None = None  # targets: the formula applied to the children's targets
    target: Decimal | None = None  # targets: the node's own target
    weeks: tuple[date, ...] = ()  # division_by_zero, missing_input: the weeks concerned
    inputs: tuple[str, ...] = ()  # targets: the children whose targets were used; missing_input: the missing ones
    detail: str = ""  # formula_error: what is wrong; weights_ignored: how many weights were given

    def message(self, tree: TreeData) -> str:
        """The warning in the active language, naming nodes by name."""
        return _warning_message(self, {node.code: node for node in tree.nodes}, len(tree.weeks))


@dataclass(frozen=True, slots=True)
class NodeProgress:
    code: str
    node: NodeData
    weeks: list[WeekValue]  # every week of the period
    actual_to_date: Decimal | None  # the value over the period's first week through the as-of week
    actual_reason: str | None  # why actual_to_date is missing
    target_to_date: Decimal | None  # pace: sum of weekly targets to date (`sum`), else the period target
    stretch_to_date: Decimal | None
    achievement: Decimal | None  # percent; None where missing
    status: str  # ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA, INCOMPLETE
    forecast: Decimal | None  # landing forecast: the value over the whole period, actual + projected weeks
    sensitivity: Decimal | None  # measured nodes: % change of the KGI forecast per 1% of this node
    projection: Decimal | None  # measured nodes: the weekly value projected after the as-of week
    cumulative_actual: list[Decimal | None]  # running value from the first week; None after the as-of week
    cumulative_target: list[Decimal | None]  # running target (pace) for every week
    cumulative_stretch: list[Decimal | None]
    cumulative_forecast: list[Decimal | None]  # running forecast from the as-of week on; None before it

    @property
    def is_formula(self) -> bool:
        return self.node.is_formula


@dataclass(frozen=True)
class Progress:
    tree: str
    weeks: tuple[date, ...]
    as_of_week: date
    nodes: dict[str, NodeProgress]  # in tree order
    kgi: str | None
    ranking: list[str]  # measured KPI codes, the one that moves the KGI most first
    warnings: list[EngineWarning] = field(default_factory=list)

    def warnings_for(self, code: str) -> list[EngineWarning]:
        return [warning for warning in self.warnings if warning.node == code]


# --- targets ----------------------------------------------------------------------------------------------


def _usable_weights(weights, n: int) -> list[Decimal] | None:
    """The weights as Decimals when they are one non-negative number per week not all zero, else None."""
    if weights is None or len(weights) != n:
        return None
    try:
        values = [Decimal(weight) for weight in weights]
    except (TypeError, ValueError, decimal.InvalidOperation):
        return None
    if any(not value.is_finite() or value < 0 for value in values) or sum(values) <= 0:
        return None
    return values


def weekly_targets(target: Decimal | None, aggregation: str, weeks: Sequence, weights=None) -> list[Decimal | None]:
    """The target of each week: a `sum` target spread evenly or by weights, else the period target every week.

    Spread targets are rounded to 6 decimal places and the last week takes the remainder, so they add
    up to `target` exactly. Weights that do not fit (see `_usable_weights`) are replaced by even ones.
    """
    n = len(weeks)
    if target is None:
        return [None] * n
    if aggregation != SUM:
        return [target] * n
    if n == 0:
        return []
    spread = _usable_weights(weights, n)
    with decimal.localcontext(prec=PRECISION):
        if spread is None:  # even: every week but the last gets the same rounded share
            share = (target / n).quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
            return [share] * (n - 1) + [target - share * (n - 1)]
        total = sum(spread)
        result = [(target * weight / total).quantize(SIX_PLACES, rounding=ROUND_HALF_UP) for weight in spread[:-1]]
        result.append(target - sum(result, Decimal(0)))
    return result


def _running_sum(values):
    """The running totals of `values`, from Decimal(0)."""
    if FAST_PATHS:
        result = list(accumulate(values, operator.add, initial=Decimal(0)))
        del result[0]
        return result
    total = Decimal(0)
    result = []
    for value in values:
        total += value
        result.append(total)
    return result


# --- aggregation ------------------------------------------------------------------------------------------


def _aggregate(values, aggregation):
    """The value of weekly `values` over their range (None = missing, skipped); None when none is present."""
    present = values if FAST_PATHS and not _has_missing(values) else [value for value in values if value is not None]
    if not present:
        return None
    if aggregation == SUM:
        return sum(present, Decimal(0))
    if aggregation == LAST:
        return present[-1]
    return sum(present, Decimal(0)) / len(present)


def _scaled_up(values) -> list:
    """Every value 1% higher (None stays None)."""
    if FAST_PATHS and not _has_missing(values):
        return list(map(operator.mul, values, repeat(ONE_PERCENT_UP)))
    return [None if value is None else value * ONE_PERCENT_UP for value in values]


def _has_missing(values) -> bool:
    """Whether a value is None. Faster than `None in values`: comparing a Decimal with None is slow."""
    return not all(map(operator.is_not, values, repeat(None)))


def _running(values, aggregation):
    """The aggregate of every prefix of `values`: result[k] is the value over weeks 0..k."""
    if FAST_PATHS and not _has_missing(values):  # the usual case: the same operations in the same order as below
        if aggregation == LAST:
            return list(values)
        result = list(accumulate(values, operator.add, initial=Decimal(0)))
        del result[0]
        if aggregation == SUM:
            return result
        return list(map(operator.truediv, result, range(1, len(result) + 1)))
    result = []
    append = result.append
    current = None
    if aggregation == LAST:
        for value in values:
            if value is not None:
                current = value
            append(current)
        return result
    total = Decimal(0)
    count = 0
    for value in values:
        if value is not None:
            total += value
            count += 1
            current = total if aggregation == SUM else total / count
        append(current)
    return result


def _running_continued(known, values, aggregation):
    """_running(values, aggregation), given `known` = _running(values[:len(known)], aggregation).

    Where that is simple (sums and last values, none missing) the known items are reused and the rest
    continues from the last one, with the same operations as _running; else it runs from the start.
    """
    if not FAST_PATHS or not known or aggregation not in (SUM, LAST) or _has_missing(values):
        return _running(values, aggregation)
    rest = values[len(known) :]
    if aggregation == LAST:
        return known + rest
    continued = list(accumulate(rest, operator.add, initial=known[-1]))
    continued[0:1] = known
    return continued


# --- the tree, prepared once ------------------------------------------------------------------------------


class _Node:
    """A node with its parsed formula and computed series (internal, mutable)."""

    __slots__ = (
        "data",
        "code",
        "parent",
        "children",
        "formula",
        "refs",
        "inputs",
        "additive",
        "coefficients",
        "error",
        "plain",
        "fast",
        "aggregation",
        "weekly",
        "reasons",
        "run_actual",
        "run_reasons",
        "weekly_forecast",
        "run_forecast",
        "projection",
    )

    def __init__(self, data: NodeData):
        self.data = data
        self.code = data.code
        self.parent = None
        self.children = []
        self.formula = None
        self.refs = ()
        self.inputs = []
        self.additive = False
        self.coefficients = {}
        self.error = None
        self.plain = True  # every value of its series is a finite Decimal (measured: checked on its entries)
        self.fast = False  # its formula is evaluated over whole series (formulas.Formula.evaluate_series)
        self.projection = None
        aggregation = data.aggregation if data.aggregation in (SUM, AVERAGE, LAST, RECOMPUTE) else SUM
        if not data.is_formula and aggregation == RECOMPUTE:
            aggregation = AVERAGE
        self.aggregation = aggregation

    @property
    def measured(self):
        return not self.data.is_formula

    def coefficient(self, code):
        """For an additive formula: the constant its input `code` is multiplied by (None if it has none)."""
        if code not in self.coefficients:
            values = dict.fromkeys(self.refs, Decimal(0))
            values[code] = Decimal(1)
            self.coefficients[code], _reason = _evaluate(self.formula, values)
        return self.coefficients[code]


def _prepare(tree: TreeData, warnings: list) -> tuple[list[_Node], list[_Node]]:
    """The nodes in tree order and in evaluation order (children first), formulas parsed."""
    nodes = {}
    for data in tree.nodes:
        if data.code in nodes:
            raise ValueError(f"node code {data.code!r} appears twice in tree {tree.code!r}")
        nodes[data.code] = _Node(data)
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.data.parent) if node.data.parent is not None else None
        node.parent = parent
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    order = []
    stack = [(root, False) for root in reversed(roots)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.children))
    if len(order) != len(nodes):
        raise ValueError(f"the parents of tree {tree.code!r} form a cycle")
    for node in nodes.values():
        if node.data.is_formula:
            _parse_formula(node, warnings)
    return list(nodes.values()), order


def _parse_formula(node: _Node, warnings: list) -> None:
    children = {child.code: child.data.name or child.code for child in node.children}
    try:
        node.formula = check(node.data.formula, children, node.data.name or node.code)
    except FormulaError as error:
        node.error = error.message
        warnings.append(EngineWarning(FORMULA_ERROR, node.code, detail=node.error))
    else:
        node.refs = node.formula.references
        by_code = {child.code: child for child in node.children}
        node.inputs = [by_code[code] for code in node.refs]
        node.additive = node.formula.is_additive()


def _evaluate(formula, values):
    """(value, reason) of `formula` over `values`; missing inputs and division by zero give a reason."""
    try:
        return formula.evaluate(values), None
    except MissingInput:
        return None, MISSING_INPUT
    except (DivisionByZero, ZeroDivisionError):
        return None, DIVISION_BY_ZERO
    except (EvaluationError, ArithmeticError):
        return None, FORMULA_ERROR


def _evaluate_columns(node: _Node, columns) -> tuple[list, list]:
    """Evaluate `node`'s formula once per item of `columns` (tuples of input values in `node.refs` order)."""
    values = []
    reasons = []
    refs = node.refs
    evaluate = node.formula.evaluate
    for column in columns:
        if _has_missing(column):  # the usual case for weeks not entered yet: no exception to build
            values.append(None)
            reasons.append(MISSING_INPUT)
            continue
        try:
            values.append(evaluate(dict(zip(refs, column, strict=False))))
            reasons.append(None)
        except Exception:  # sorted out by _evaluate, the one place that knows the reasons
            value, reason = _evaluate(node.formula, dict(zip(refs, column, strict=False)))
            values.append(value)
            reasons.append(reason)
    return values, reasons


def _evaluate_series(node: _Node, series_list, length) -> tuple[list, list]:
    """(values, reasons) of `node`'s formula at positions 0..length-1 of its input series (in `node.refs` order).

    Exactly what `_evaluate_columns` gives position by position; for a node whose inputs are plain Decimals
    (`node.fast`) the positions without a missing input are computed operation by operation over whole series
    (formulas.Formula.evaluate_series), falling back to one by one where one of them would raise.
    """
    if not (FAST_PATHS and node.fast):
        return _evaluate_columns(node, _columns(series_list, 0, length))
    evaluate = node.formula.evaluate_series
    if not any(map(_has_missing, series_list)):
        values = evaluate(series_list, length)
        if values is not None:
            return values, [None] * length
        return _evaluate_columns(node, _columns(series_list, 0, length))
    missing = set()
    for series in series_list:
        missing.update(k for k, value in enumerate(series) if value is None)
    present = [k for k in range(length) if k not in missing]
    values = [None] * length
    reasons = [MISSING_INPUT] * length
    if present:
        picked = [list(map(series.__getitem__, present)) for series in series_list]
        evaluated = evaluate(picked, len(present))
        if evaluated is None:
            evaluated, found = _evaluate_columns(node, _columns(picked, 0, len(present)))
        else:
            found = [None] * len(present)
        for k, value, reason in zip(present, evaluated, found, strict=True):
            values[k] = value
            reasons[k] = reason
    return values, reasons


def _evaluate_week(node: _Node, series_list, k):
    """The formula of `node` over the k-th item of each input series (in `node.refs` order)."""
    values, _reasons = _evaluate_columns(node, [tuple(series[k] for series in series_list)])
    return values[0]


def _columns(series_list, start, stop):
    """Tuples of the k-th item of each series, for k in start..stop-1."""
    if not series_list:
        return [()] * (stop - start)
    return list(zip(*(series[start:stop] for series in series_list), strict=True))


_present = partial(operator.is_not, None)
_EXACTLY_ONE = Decimal(1).as_tuple()


def _is_plain(values) -> bool:
    """Whether every present value is a finite Decimal (entries may be anything the caller passed)."""
    types = set(map(type, values))
    types.discard(type(None))
    return types <= {Decimal} and all(map(Decimal.is_finite, filter(_present, values)))


# --- compute ----------------------------------------------------------------------------------------------


def compute(tree: TreeData, entries: Mapping[str, Mapping[date, Decimal]], as_of: date) -> Progress:
    """Everything in DESIGN.md "Progress" for `tree` at the week that holds `as_of`."""
    with decimal.localcontext(prec=PRECISION):
        return _compute(tree, entries, as_of)


def weekly_values(tree: TreeData, entries: Mapping[str, Mapping[date, Decimal]]) -> dict[str, list[tuple]]:
    """{code: [(value, reason) per week]}: every node's weekly values, exactly as compute() gives them
    (WeekValue.actual and .reason), without the rest (running values, forecasts, sensitivity). A weekly value
    depends on its week's entries only, so `tree` may hold just the weeks wanted (the entry grid's)."""
    with decimal.localcontext(prec=PRECISION):
        weeks = list(tree.weeks)
        nodes, order = _prepare(tree, [])
        for node in order:
            _compute_actual(node, entries.get(node.code) or {}, weeks, len(weeks) - 1)
        return {node.code: list(zip(node.weekly, node.reasons, strict=True)) for node in nodes}


def _compute(tree: TreeData, entries, as_of: date) -> Progress:
    weeks = list(tree.weeks)
    n = len(weeks)
    as_of_week = clamp_week(as_of, weeks, tree.week_start)
    d = weeks.index(as_of_week) if n else -1
    warnings: list[EngineWarning] = []
    nodes, order = _prepare(tree, warnings)

    for node in order:
        _compute_actual(node, entries.get(node.code) or {}, weeks, d)
    for node in order:
        _compute_forecast(node, n, d)

    kgi = next((node for node in nodes if node.data.parent is None), None)
    sensitivities = _sensitivities(nodes, kgi, n, d)
    threshold = tree.warning_threshold if tree.warning_threshold is not None else DEFAULT_WARNING_THRESHOLD

    results = {}
    memo = {}
    for node in nodes:
        sensitivity = sensitivities.get(node.code)
        results[node.code] = _node_progress(node, weeks, d, threshold, sensitivity, warnings, memo)
    _check_targets(nodes, warnings)
    _formula_warnings(nodes, weeks, d, warnings)

    ranking = [
        node.code
        for node in sorted(
            (node for node in nodes if node.measured and node is not kgi and sensitivities.get(node.code) is not None),
            key=lambda node: -abs(sensitivities[node.code]),
        )
    ]
    order_of = {data.code: i for i, data in enumerate(tree.nodes)}
    warnings.sort(key=lambda warning: order_of.get(warning.node, len(order_of)))
    return Progress(
        tree=tree.code,
        weeks=tuple(weeks),
        as_of_week=as_of_week,
        nodes=results,
        kgi=kgi.code if kgi else None,
        ranking=ranking,
        warnings=warnings,
    )


def _compute_actual(node: _Node, node_entries, weeks, d):
    """Weekly values and their running value up to the as-of week (children are done first)."""
    n = len(weeks)
    if node.measured:
        node.weekly = list(map(node_entries.get, weeks))
        node.reasons = [None if value is not None else NO_ENTRY for value in node.weekly]
        node.plain = _is_plain(node.weekly)
    elif node.formula is None:
        node.weekly = [None] * n
        node.reasons = [FORMULA_ERROR] * n
    else:
        node.fast = all(child.plain for child in node.inputs)
        inputs = [child.weekly for child in node.inputs]
        node.weekly, node.reasons = _evaluate_series(node, inputs, n)

    if node.formula is not None and node.aggregation == RECOMPUTE:
        inputs = [child.run_actual for child in node.inputs]
        node.run_actual, node.run_reasons = _evaluate_series(node, inputs, d + 1)
    else:
        node.run_actual = _running(node.weekly[: d + 1], node.aggregation)
        if node.measured:
            node.run_reasons = [None if value is not None else NO_ENTRY for value in node.run_actual]
        elif node.formula is None:
            node.run_reasons = [FORMULA_ERROR] * (d + 1)
        else:
            node.run_reasons = _range_reasons(node.run_actual, node.reasons)


def _range_reasons(running, weekly_reasons):
    """Why each running value is missing: the reason of its weeks (all missing) when they agree on one."""
    result = []
    seen = set()
    for value, reason in zip(running, weekly_reasons, strict=False):
        seen.add(reason)
        if value is not None:
            result.append(None)
        else:
            result.append(DIVISION_BY_ZERO if seen == {DIVISION_BY_ZERO} else MISSING_INPUT)
    return result


def _compute_forecast(node: _Node, n, d):
    """Weekly values with the weeks after the as-of week projected, and their running value from it on.

    Every projected week of a measured node has the same value, so every projected week of a formula
    node has the same inputs: one evaluation serves them all.
    """
    later = n - d - 1
    if node.measured:
        present = [value for value in node.weekly[: d + 1] if value is not None][-4:]
        node.projection = sum(present, Decimal(0)) / len(present) if present else None
        node.weekly_forecast = node.weekly[: d + 1] + [node.projection] * later
    elif node.formula is None:
        node.weekly_forecast = [None] * n
    else:
        projected = None
        if later > 0:
            projected = _evaluate_week(node, [child.weekly_forecast for child in node.inputs], d + 1)
        node.weekly_forecast = node.weekly[: d + 1] + [projected] * later

    if node.formula is not None and node.aggregation == RECOMPUTE:
        start = max(d, 0)
        series = [child.run_forecast[start:n] for child in node.inputs]
        values, _reasons = _evaluate_series(node, series, n - start)
        node.run_forecast = [None] * start + values
    else:
        node.run_forecast = _running_continued(node.run_actual, node.weekly_forecast, node.aggregation)


def _period_forecast(node: _Node):
    return node.run_forecast[-1] if node.run_forecast else None


def _fill_projection(values: list, d: int) -> None:
    """Copy the first projected week's value (index d + 1) to the later projected weeks."""
    if d + 2 < len(values):
        values[d + 2 :] = [values[d + 1]] * (len(values) - d - 2)


# --- sensitivity ------------------------------------------------------------------------------------------


def _sensitivities(nodes: list[_Node], kgi: _Node | None, n: int, d: int) -> dict[str, Decimal | None]:
    """For each measured node: % change of the KGI forecast when all its weekly values are 1% higher."""
    measured = [node for node in nodes if node.measured]
    base = _period_forecast(kgi) if kgi is not None else None
    if base is None or base == 0:
        return dict.fromkeys((node.code for node in measured), None)
    propagation = _Propagation(nodes, kgi, n, d)
    result = {}
    for node in measured:
        path = [node]
        while path[-1] is not kgi:
            parent = path[-1].parent
            if parent is None or parent.formula is None or path[-1].code not in parent.refs:
                break  # a driver, or not an input of its parent's formula: the KGI does not move
            path.append(parent)
        if path[-1] is not kgi:
            result[node.code] = Decimal(0)
            continue
        changed = propagation.scaled(path, 0)
        result[node.code] = None if changed is None else (changed - base) / base * HUNDRED
    return result


class _Propagation:
    """The KGI forecast after a change, recomputing only the changed node's ancestors.

    Of an ancestor only what is needed is recomputed: its weeks whose inputs changed (up to the as-of
    week one by one; the first projected week stands for all projected weeks, which have the same
    inputs), and for a `recompute` ancestor its period value (the formula over its children's period
    values) plus its weekly values only where a `sum`/`average`/`last` ancestor above uses them.
    An ancestor whose values come out exactly 1% higher continues as "that ancestor 1% higher", which
    is computed once and shared (a product's factors all give it), and a `sum`-like formula of inputs
    times constants moves by its coefficient times the change, without evaluating it again.
    """

    def __init__(self, nodes, kgi, n, d):
        self.kgi = kgi
        self.n = n
        self.d = d
        self.last = min(d + 1, n - 1)  # the weeks 0..last stand for all (the later ones are projected alike)
        self.memo = {}  # node code -> the KGI forecast when that node's values are 1% higher
        self.needs_weekly = set()
        for node in nodes:  # tree order: parents first
            parent_needs = node.parent is not None and node.parent.code in self.needs_weekly
            if node.aggregation != RECOMPUTE or parent_needs:
                self.needs_weekly.add(node.code)

    def scaled(self, path, i):
        """The KGI forecast when every value of path[i] is 1% higher."""
        node = path[i]
        if node.code not in self.memo:
            if node is self.kgi:
                self.memo[node.code] = _period_forecast(node) * ONE_PERCENT_UP
            else:
                if FAST_PATHS:
                    # Only the weeks up to `last` are read; the later (projected) ones are copies of week d + 1.
                    weekly = _scaled_up(node.weekly_forecast[: self.last + 1])
                    if len(weekly) < self.n:
                        weekly += [weekly[self.d + 1]] * (self.n - len(weekly))
                else:
                    weekly = _scaled_up(node.weekly_forecast)
                changed = [k for k in range(self.last + 1) if weekly[k] is not None and weekly[k] != 0]
                period = _period_forecast(node)
                period = None if period is None else period * ONE_PERCENT_UP
                self.memo[node.code] = self._propagate(path, i, weekly, period, changed)
        return self.memo[node.code]

    def _propagate(self, path, start, new_weekly, new_period, changed):
        weekly = {path[start].code: new_weekly}
        period = {path[start].code: new_period}
        for i in range(start + 1, len(path)):
            below, current = path[i - 1], path[i]
            if not changed and below.code in self.needs_weekly and period[below.code] == _period_forecast(below):
                return _period_forecast(self.kgi)  # nothing moved (no values, or only zeros)
            if current.code in self.needs_weekly:
                weekly[current.code], changed = self._weekly(current, below, weekly, changed)
            if current.aggregation == RECOMPUTE:
                # A rate over the period: the formula over the children's period values, never over weeks.
                inputs = {child.code: period.get(child.code, _period_forecast(child)) for child in current.inputs}
                period[current.code], _reason = _evaluate(current.formula, inputs)
            else:
                period[current.code] = _aggregate(weekly[current.code], current.aggregation)
            if self._is_scaled(current, weekly.get(current.code), period[current.code]):
                return self.scaled(path, i)
        return period[self.kgi.code]

    def _weekly(self, current, below, weekly, changed):
        """The weekly forecast of `current` after `below` changed in the weeks `changed`, and its changed weeks."""
        values = list(current.weekly_forecast)
        old, new = below.weekly_forecast, weekly[below.code]
        coefficient = current.coefficient(below.code) if current.additive else None
        before = list(map(values.__getitem__, changed))
        after = self._weeks_after(current, coefficient, before, old, new, weekly, changed) if FAST_PATHS else None
        if after is None:
            results = {}
            if coefficient is not None:
                # Inputs times constants: the change of one input moves the result by the coefficient times it.
                for k in changed:
                    if values[k] is not None and old[k] is not None and new[k] is not None:
                        results[k] = values[k] + coefficient * (new[k] - old[k])
            others = [k for k in changed if k not in results]
            if others:
                series = [weekly.get(child.code, child.weekly_forecast) for child in current.inputs]
                picked = [list(map(inputs.__getitem__, others)) for inputs in series]
                evaluated, _reasons = _evaluate_series(current, picked, len(others))
                results.update(zip(others, evaluated, strict=True))
            after = list(map(results.__getitem__, changed))
        if FAST_PATHS:
            moved = list(map(operator.ne, after, before))
            still_changed = list(compress(changed, moved))
            for k, value in zip(still_changed, compress(after, moved), strict=True):
                values[k] = value
        else:
            still_changed = []
            for k, value in zip(changed, after, strict=True):
                if value != values[k]:
                    values[k] = value
                    still_changed.append(k)
        _fill_projection(values, self.d)
        return values, still_changed

    def _weeks_after(self, current, coefficient, before, old, new, weekly, changed):
        """The new values of `current` in the weeks `changed`, whole series at a time; None where that does not
        apply (a sum with a missing value), for _weekly's week by week path."""
        if coefficient is not None:
            olds = list(map(old.__getitem__, changed))
            news = list(map(new.__getitem__, changed))
            if _has_missing(before) or _has_missing(olds) or _has_missing(news):
                return None
            moves = map(operator.sub, news, olds)
            if coefficient.as_tuple() != _EXACTLY_ONE:  # 1 * x is x, digit for digit: skip it
                moves = map(operator.mul, repeat(coefficient), moves)
            return list(map(operator.add, before, moves))
        series = [weekly.get(child.code, child.weekly_forecast) for child in current.inputs]
        picked = [list(map(inputs.__getitem__, changed)) for inputs in series]
        return _evaluate_series(current, picked, len(changed))[0]

    def _is_scaled(self, node, new_weekly, new_period):
        """Whether the node's new values are exactly its computed forecast 1% higher."""
        old_period = _period_forecast(node)
        if (old_period is None) != (new_period is None):
            return False
        if old_period is not None and new_period != old_period * ONE_PERCENT_UP:
            return False
        if new_weekly is None:
            return True
        for k in range(self.last + 1):
            old, new = node.weekly_forecast[k], new_weekly[k]
            if (old is None) != (new is None) or (old is not None and new != old * ONE_PERCENT_UP):
                return False
        return True


# --- per node results -------------------------------------------------------------------------------------


def achievement_of(actual: Decimal | None, target: Decimal | None, direction: str) -> Decimal | None:
    """Achievement in percent: actual / target (`higher`) or target / actual (`lower`); None for a zero denominator."""
    if actual is None or target is None:
        return None
    numerator, denominator = (target, actual) if direction == LOWER else (actual, target)
    if denominator == 0:
        return None
    return numerator / denominator * HUNDRED


def status_of(actual, target, achievement, direction, threshold=DEFAULT_WARNING_THRESHOLD) -> str:
    """The status by DESIGN.md "Progress", first rule that applies."""
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


def _targets(target, aggregation, weeks, weights, memo) -> tuple[list, list]:
    """The weekly targets and their running value (pace) for `sum`; for the others the weekly targets twice.

    Nodes with the same target and no weights share one computation (`memo`, per compute(): Decimal
    equality would mix 100 and 100.0, so it is keyed on the digits and exponent).
    """
    key = None
    if FAST_PATHS and memo is not None and weights is None and target is not None:
        key = (target.as_tuple(), aggregation) if isinstance(target, Decimal) else None
        if key in memo:
            return memo[key]
    week_targets = weekly_targets(target, aggregation, weeks, weights)
    if aggregation == SUM:
        result = week_targets, _running_sum(week_targets) if target is not None else [None] * len(weeks)
    else:
        result = week_targets, week_targets
    if key is not None:
        memo[key] = result
    return result


def _node_progress(node: _Node, weeks, d, threshold, sensitivity, warnings, memo=None) -> NodeProgress:
    data = node.data
    n = len(weeks)
    week_targets, cumulative_target = _targets(data.target, node.aggregation, weeks, data.weights, memo)
    week_stretch, cumulative_stretch = _targets(data.stretch, node.aggregation, weeks, data.weights, memo)
    weights_unusable = data.weights is not None and _usable_weights(data.weights, n) is None
    if node.aggregation == SUM and weights_unusable and (data.target is not None or data.stretch is not None):
        warnings.append(EngineWarning(WEIGHTS_IGNORED, node.code, detail=str(len(data.weights))))

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
    week_values = list(map(_new_week_value, columns))
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
        forecast=_period_forecast(node),
        sensitivity=sensitivity if node.measured else None,
        projection=node.projection,
        cumulative_actual=node.run_actual + [None] * (n - d - 1),
        cumulative_target=list(cumulative_target),
        cumulative_stretch=list(cumulative_stretch),
        cumulative_forecast=[None] * start + node.run_forecast[start:] if n else [],
    )


# --- rebuilding a node's results (metrics.progress_cache) --------------------------------------------------


class NodeState(NamedTuple):
    """What a node's NodeProgress is rebuilt from without computing the tree again (`rebuild_node_progress`)."""

    weekly: list  # the weekly actual values (WeekValue.actual)
    reasons: list  # why each is missing (WeekValue.reason)
    projected: Decimal | None  # the weekly forecast of every week after the as-of week
    run_actual: list | None  # recomputed formula nodes only: the running actual up to the as-of week
    run_forecast: list | None  # recomputed formula nodes only: the running forecast from the as-of week on


def node_state(result: NodeProgress, d: int) -> NodeState:
    """The state of a computed node at the as-of week's index `d` (the index of Progress.as_of_week)."""
    weeks = result.weeks
    weekly = [week.actual for week in weeks]
    reasons = [week.reason for week in weeks]
    projected = weeks[d + 1].forecast if d + 1 < len(weeks) else None
    if result.node.is_formula and _Node(result.node).aggregation == RECOMPUTE:
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
) -> NodeProgress:
    """The NodeProgress that compute() gave for the node, from its state and figures (the same functions run again).

    `threshold` is the tree's warning threshold, `sensitivity`, `actual_reason` and `projection` the computed
    node's; every other number is derived from them as compute() derives it.
    """
    node = _Node(data)
    n = len(weeks)
    threshold = threshold if threshold is not None else DEFAULT_WARNING_THRESHOLD
    with decimal.localcontext(prec=PRECISION):
        node.weekly = list(state.weekly)
        node.reasons = list(state.reasons)
        node.projection = projection
        node.weekly_forecast = node.weekly[: d + 1] + [state.projected] * (n - d - 1)
        if state.run_actual is not None:
            node.run_actual = list(state.run_actual)
            node.run_forecast = [None] * max(d, 0) + list(state.run_forecast)
        else:
            node.run_actual = _running(node.weekly[: d + 1], node.aggregation)
            node.run_forecast = _running_continued(node.run_actual, node.weekly_forecast, node.aggregation)
        node.run_reasons = [None] * d + [actual_reason] if d >= 0 else []
        return _node_progress(node, list(weeks), d, threshold, sensitivity, [])


# --- warnings ---------------------------------------------------------------------------------------------


def _check_targets(nodes: list[_Node], warnings: list) -> None:
    """Formula nodes whose target differs by over 1% from the formula applied to the children's targets."""
    for node in nodes:
        if node.formula is None or node.data.target is None:
            continue
        targets = {child.code: child.data.target for child in node.inputs}
        if any(value is None for value in targets.values()):
            continue
        expected, _reason = _evaluate(node.formula, targets)
        if expected is None:
            continue
        target = node.data.target
        difference = abs(expected - target)
        if (target == 0 and difference != 0) or (target != 0 and difference > abs(target) * TARGET_TOLERANCE):
            warnings.append(EngineWarning(TARGETS_DO_NOT_ADD_UP, node.code, expected, target, inputs=node.refs))


def _formula_warnings(nodes: list[_Node], weeks, d, warnings: list) -> None:
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


def _warning_message(warning: EngineWarning, nodes: Mapping[str, NodeData], week_count: int) -> str:
    def name(code):
        node = nodes.get(code)
        return _("“%(name)s”") % {"name": node.name if node and node.name else code}

    def names(codes):
        return pgettext("list separator", ", ").join(name(code) for code in codes)

    def weeks(values):
        shown = pgettext("list separator", ", ").join(week_label(week) for week in values[:WARNING_WEEKS_SHOWN])
        return shown + (pgettext("list continues", ", …") if len(values) > WARNING_WEEKS_SHOWN else "")

    node = nodes.get(warning.node)
    unit = node.unit if node else ""
    values = {"node": name(warning.node), "count": len(warning.weeks), "weeks": weeks(warning.weeks)}
    if warning.kind == TARGETS_DO_NOT_ADD_UP:
        values.update(
            inputs=names(warning.inputs), expected=number(warning.expected, unit), target=number(warning.target, unit)
        )
        text = _(
            "The targets of %(inputs)s give %(expected)s, but the target of %(node)s is %(target)s. Check the targets."
        )
    elif warning.kind == DIVISION_BY_ZERO:
        text = ngettext(
            "%(node)s divides by zero in %(count)s week (%(weeks)s), so that week is shown without a value.",
            "%(node)s divides by zero in %(count)s weeks (%(weeks)s), so those weeks are shown without a value.",
            values["count"],
        )
    elif warning.kind == MISSING_INPUT:
        values["inputs"] = names(warning.inputs)
        text = ngettext(
            "%(node)s cannot be computed for %(count)s week (%(weeks)s) "
            "because there is no entry for %(inputs)s. Enter the missing numbers.",
            "%(node)s cannot be computed for %(count)s weeks (%(weeks)s) "
            "because there is no entry for %(inputs)s. Enter the missing numbers.",
            values["count"],
        )
    elif warning.kind == FORMULA_ERROR:
        values["error"] = _formula_error(node, nodes) if node else warning.detail
        text = _("The formula of %(node)s cannot be used, so its values are shown as missing: %(error)s")
    elif warning.kind == WEIGHTS_IGNORED:
        values["count"] = week_count
        text = ngettext(
            "The seasonality weights of %(node)s are not one number of 0 or more for the %(count)s week "
            "of the period, so its target is spread evenly. Fix the weights.",
            "The seasonality weights of %(node)s are not one number of 0 or more for each of the %(count)s weeks "
            "of the period (not all 0), so its target is spread evenly. Fix the weights.",
            week_count,
        )
    else:
        return warning.kind
    return text % values


def _formula_error(node: NodeData, nodes: Mapping[str, NodeData]) -> str:
    """What is wrong with the node's formula, in the active language (checked again for that)."""
    children = {child.code: child.name or child.code for child in nodes.values() if child.parent == node.code}
    try:
        check(node.formula, children, node.name or node.code)
    except FormulaError as error:
        return error.message
    return ""


# --- drivers and initiatives ------------------------------------------------------------------------------


class LagCorrelation(NamedTuple):
    lag: int  # weeks the driver is shifted earlier
    r: Decimal | None  # Pearson correlation; None with fewer than 2 pairs or no variation
    pairs: int  # weeks where both values are present


@dataclass(frozen=True)
class DriverEvidence:
    lags: tuple[LagCorrelation, ...]  # lags 0..max_lag
    best_lag: int | None  # the largest |r| among lags with at least 3 pairs; None when there is none

    @property
    def best(self) -> LagCorrelation | None:
        return None if self.best_lag is None else self.lags[self.best_lag]


def _series(values, weeks):
    """Values aligned with `weeks`, from a mapping by week or a sequence in week order."""
    if isinstance(values, Mapping):
        return [values.get(week) for week in weeks]
    values = list(values)
    return values + [None] * (len(weeks) - len(values))


def _pearson(pairs):
    n = len(pairs)
    if n < 2:
        return None
    mean_x = sum((x for x, _y in pairs), Decimal(0)) / n
    mean_y = sum((y for _x, y in pairs), Decimal(0)) / n
    sxy = sum(((x - mean_x) * (y - mean_y) for x, y in pairs), Decimal(0))
    sxx = sum(((x - mean_x) ** 2 for x, _y in pairs), Decimal(0))
    syy = sum(((y - mean_y) ** 2 for _x, y in pairs), Decimal(0))
    if sxx == 0 or syy == 0:
        return None
    return sxy / (sxx * syy).sqrt()


def driver_evidence(driver_weekly, parent_weekly, weeks: Sequence[date], max_lag: int = 4) -> DriverEvidence:
    """How well the driver's weekly values, `lag` weeks earlier, correlate with the parent's, for lags 0..max_lag.

    `driver_weekly` and `parent_weekly` are mappings week -> value or sequences in week order (None = missing).
    Correlation is evidence for the link, not proof of cause.
    """
    with decimal.localcontext(prec=PRECISION):
        driver = _series(driver_weekly, weeks)
        parent = _series(parent_weekly, weeks)
        lags = []
        for lag in range(max_lag + 1):
            pairs = [
                (driver[k - lag], parent[k])
                for k in range(lag, len(weeks))
                if driver[k - lag] is not None and parent[k] is not None
            ]
            lags.append(LagCorrelation(lag, _pearson(pairs), len(pairs)))
        candidates = [item for item in lags if item.r is not None and item.pairs >= 3]
        best = max(candidates, key=lambda item: (abs(item.r), -item.lag)) if candidates else None
        return DriverEvidence(tuple(lags), best.lag if best else None)


@dataclass(frozen=True)
class InitiativeEffect:
    start_week: date  # the week that holds the start date; the first week "after"
    before_mean: Decimal | None
    after_mean: Decimal | None
    weeks_before: int  # weeks with a value among the n weeks before the start week
    weeks_after: int  # weeks with a value among the start week and the n - 1 weeks after it
    effect: Decimal | None  # after_mean - before_mean
    cost_per_unit: Decimal | None  # cost / (effect x weeks_after); None where effect is 0 or missing


def initiative_effect(
    weekly: Mapping[date, Decimal], weeks: Sequence[date], start_date: date, n: int = 4, cost=None, until=None
) -> InitiativeEffect:
    """The before/after comparison of DESIGN.md "Initiatives" for one KPI's weekly values.

    The start week is the week that holds `start_date` (weeks aligned like `weeks`); "after" is it and the
    n - 1 weeks that follow, "before" the n weeks before it. The windows may reach outside the period when
    `weekly` has values there; missing weeks are skipped (fewer weeks used), and weeks after `until`
    (for example the as-of week) are not used. A before/after comparison, not proof of cause.
    """
    week_start = weeks[0].weekday() if weeks else 0
    start_week = week_containing(start_date, week_start)
    week = timedelta(days=7)
    after_weeks = [start_week + week * i for i in range(n)]
    before_weeks = [start_week - week * i for i in range(n, 0, -1)]
    if until is not None:
        after_weeks = [day for day in after_weeks if day <= until]
        before_weeks = [day for day in before_weeks if day <= until]
    with decimal.localcontext(prec=PRECISION):
        before = [weekly[day] for day in before_weeks if weekly.get(day) is not None]
        after = [weekly[day] for day in after_weeks if weekly.get(day) is not None]
        before_mean = sum(before, Decimal(0)) / len(before) if before else None
        after_mean = sum(after, Decimal(0)) / len(after) if after else None
        effect = after_mean - before_mean if before_mean is not None and after_mean is not None else None
        cost_per_unit = None
        if cost is not None and effect is not None and effect != 0 and after:
            cost_per_unit = Decimal(cost) / (effect * len(after))
    return InitiativeEffect(start_week, before_mean, after_mean, len(before), len(after), effect, cost_per_unit)
