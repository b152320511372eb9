"""What the dashboards show, built from a tree's progress (metrics.progress: its LoadedTree and Progress).

Pure Python, no query: the outline of a tree with each node's progress (the KPIs by impact are
metrics.ranking.kpi_ranking), the missing numbers of the as-of week, the chart series of a node, the
contributions of a formula node's inputs, driver evidence and sparklines.

Decisions where docs/numbers.md leaves a choice:
- The dashboard's department filter keeps the KGI headline whole and narrows the outline (to the
  department's nodes and, muted, the ancestors that place them), the ranking and the missing numbers.
- Missing numbers: measured nodes without an entry for the as-of week.
- The contribution of a formula node's input is the change, in percent, of the node's actual to date when
  every weekly value of that input up to the as-of week is 1% higher (for `recompute` nodes: the input's
  value to date), the other inputs unchanged. 1 means "moves it 1% per 1%".
- Drivers are the children of a measured node and the children a formula does not use; their evidence uses
  the weeks up to the as-of week only (what was known then).
- Charts show actuals up to the as-of week only: later entries are what was not yet known at that week.
- A sparkline shows the weekly actuals of the last 13 weeks up to the as-of week, gaps where missing.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from goals.formatting import is_too_large
from goals.formulas import DivisionByZero, EvaluationError, FormulaError, MissingInput, check, parse
from goals.models import Node
from metrics import engine
from metrics.progress import LoadedTree

ONE_PERCENT_UP = Decimal("1.01")
HUNDRED = Decimal(100)
SPARKLINE_WEEKS = 13


# --- as-of week -------------------------------------------------------------------------------------------


def parse_as_of(text: str | None) -> tuple[date | None, bool]:
    """(date, ok) from ?as_of=YYYY-MM-DD; (None, True) when absent, (None, False) when it is not a date."""
    if not text:
        return None, True
    try:
        return date.fromisoformat(text.strip()), True
    except ValueError:
        return None, False


# --- the outline ------------------------------------------------------------------------------------------


@dataclass
class Row:
    node: Node
    progress: engine.NodeProgress
    depth: int
    children: list[Row] = field(default_factory=list)
    context_only: bool = False  # shown only to place filtered nodes (department filter)
    opens: bool = False  # flat(): its children follow, in a nested list
    closes: range = range(0)  # flat(): how many nested lists end after it

    @property
    def status(self):
        return self.progress.status


def flat(roots: list[Row]) -> list[Row]:
    """The outline in reading order, each row saying where nested lists open and close.

    Rendering nested <ul>s from one flat loop is several times faster than a recursive template include
    on a 200-node tree.
    """
    ordered = []
    stack = [(row, 0) for row in reversed(roots)]
    while stack:
        row, depth = stack.pop()
        row.depth = depth
        ordered.append(row)
        stack.extend((child, depth + 1) for child in reversed(row.children))
    for row, following in zip(ordered, [*ordered[1:], None], strict=False):
        next_depth = following.depth if following is not None else 0
        row.opens = next_depth > row.depth
        row.closes = range(0 if row.opens else row.depth - next_depth)
    return ordered


def outline(loaded: LoadedTree, progress: engine.Progress, department_id: int | None = None) -> list[Row]:
    """The tree as nested rows (roots first); with a department, only its nodes and their ancestors."""
    rows = {}
    roots = []
    for node in loaded.nodes:
        row = Row(node, progress.nodes[node.code], loaded.depths[node.code])
        rows[node.pk] = row
        parent = rows.get(node.parent_id)
        (parent.children if parent else roots).append(row)
    if department_id is None:
        return roots
    keep = set()
    for node in loaded.nodes:
        if node.department_id == department_id:
            keep.add(node.pk)
            parent_id = node.parent_id
            while parent_id is not None and parent_id in rows:
                keep.add(parent_id)
                parent_id = rows[parent_id].node.parent_id

    def prune(items):
        result = []
        for row in items:
            if row.node.pk in keep:
                row.children = prune(row.children)
                row.context_only = row.node.department_id != department_id
                result.append(row)
        return result

    return prune(roots)


def missing_numbers(
    loaded: LoadedTree, progress: engine.Progress, department_id: int | None = None
) -> list[tuple[Node, engine.NodeProgress]]:
    """Measured nodes without an entry for the as-of week, in tree order."""
    week = progress.as_of_week
    result = []
    for node in loaded.nodes:
        if node.is_formula or (department_id is not None and node.department_id != department_id):
            continue
        if not loaded.has_entry(node.code, week):
            result.append((node, progress.nodes[node.code]))
    return result


def forecast_achievement(result: engine.NodeProgress) -> Decimal | None:
    """The landing forecast against the period target, in percent, by the node's direction."""
    return engine.achievement_of(result.forecast, result.node.target, result.node.direction)


def as_of_index(progress: engine.Progress) -> int:
    return progress.weeks.index(progress.as_of_week) if progress.weeks else -1


# --- a node's chart ---------------------------------------------------------------------------------------


def _number(value):
    """A float for Chart.js to draw (display only; every figure shown as text comes from the Decimal); a figure too
    large to show (docs/numbers.md "Bounds") is left out, as a gap."""
    return None if value is None or is_too_large(value) else float(value)


def chart_series(result: engine.NodeProgress, d: int) -> dict:
    """The weekly and cumulative series of a node, actuals up to the as-of week (index d) only."""
    weeks = result.weeks
    has_stretch = result.node.stretch is not None
    return {
        "weekly": {
            "actual": [_number(week.actual) if k <= d else None for k, week in enumerate(weeks)],
            "target": [_number(week.target) for week in weeks],
            "stretch": [_number(week.stretch) for week in weeks] if has_stretch else [],
        },
        "cumulative": {
            "actual": [_number(value) for value in result.cumulative_actual],
            "target": [_number(value) for value in result.cumulative_target],
            "stretch": [_number(value) for value in result.cumulative_stretch] if has_stretch else [],
            "forecast": [_number(value) for value in result.cumulative_forecast],
        },
        "has_stretch": has_stretch,
    }


@dataclass
class TableRow:
    week: date
    actual: Decimal | None
    target: Decimal | None
    cumulative_actual: Decimal | None
    cumulative_target: Decimal | None
    forecast: Decimal | None
    stretch: Decimal | None
    note: str
    is_as_of: bool
    is_future: bool
    reason: str | None


def table_rows(result: engine.NodeProgress, d: int, notes: dict[date, str]) -> list[TableRow]:
    """The chart's numbers as table rows, one per week of the period."""
    rows = []
    for k, week in enumerate(result.weeks):
        rows.append(
            TableRow(
                week=week.week,
                actual=week.actual if k <= d else None,
                target=week.target,
                cumulative_actual=result.cumulative_actual[k],
                cumulative_target=result.cumulative_target[k],
                forecast=result.cumulative_forecast[k],
                stretch=result.cumulative_stretch[k],
                note=notes.get(week.week, "") if k <= d else "",
                is_as_of=k == d,
                is_future=k > d,
                reason=week.reason if k <= d else None,
            )
        )
    return rows


# --- contributions and drivers ----------------------------------------------------------------------------


@dataclass
class Contribution:
    node: Node
    progress: engine.NodeProgress
    effect: Decimal | None  # % change of the parent's actual to date per 1% more of this input


def _aggregation(data: engine.NodeData) -> str:
    known = (engine.SUM, engine.AVERAGE, engine.LAST, engine.RECOMPUTE)
    return data.aggregation if data.aggregation in known else engine.SUM


def _evaluate(formula, values):
    try:
        return formula.evaluate(values)
    except (MissingInput, DivisionByZero, EvaluationError, ArithmeticError):
        return None


def contributions(loaded: LoadedTree, progress: engine.Progress, code: str) -> list[Contribution]:
    """For a formula node: each input child with its progress and its effect on the node's actual to date."""
    by_code = loaded.by_code
    data = progress.nodes[code].node
    if not data.is_formula:
        return []
    try:
        formula = parse(data.formula)  # any node of the tree (goals.formulas.rules), checked by the engine
    except FormulaError:
        return []
    if any(ref not in progress.nodes or ref not in by_code for ref in formula.references):
        return []
    d = as_of_index(progress)
    base = progress.nodes[code].actual_to_date
    aggregation = _aggregation(data)
    result = []
    with decimal.localcontext(prec=engine.PRECISION):
        for ref in formula.references:
            effect = None
            if base is not None and base != 0 and d >= 0:
                if aggregation == engine.RECOMPUTE:
                    values = {other: progress.nodes[other].actual_to_date for other in formula.references}
                    if values[ref] is not None:
                        values[ref] = values[ref] * ONE_PERCENT_UP
                    changed = _evaluate(formula, values)
                else:
                    weekly = []
                    for k in range(d + 1):
                        values = {other: progress.nodes[other].weeks[k].actual for other in formula.references}
                        if values[ref] is not None:
                            values[ref] = values[ref] * ONE_PERCENT_UP
                        weekly.append(_evaluate(formula, values))
                    changed = engine._aggregate(weekly, aggregation)
                if changed is not None:
                    effect = (changed - base) / base * HUNDRED
            result.append(Contribution(by_code[ref], progress.nodes[ref], effect))
    return result


@dataclass
class Driver:
    node: Node
    progress: engine.NodeProgress
    evidence: engine.DriverEvidence


def drivers(loaded: LoadedTree, progress: engine.Progress, code: str) -> list[Driver]:
    """The node's driver children with the lagged correlation of their weekly values with the node's."""
    by_code = loaded.by_code
    node = by_code[code]
    result_of = progress.nodes
    used = set()
    data = result_of[code].node
    if data.is_formula:
        children = {child.code: child.name for child in loaded.nodes if child.parent_id == node.pk}
        try:
            used = set(check(data.formula, children, data.name or code).references)
        except FormulaError:
            used = set(children)  # a broken formula: no child is shown as a driver
    elif node.has_breakdown:
        try:
            used = set(parse(node.breakdown).references)  # a breakdown's factors are not drivers
        except FormulaError:
            used = set()
    d = as_of_index(progress)
    weeks = list(progress.weeks[: d + 1])
    parent_weekly = [week.actual for week in result_of[code].weeks[: d + 1]]
    result = []
    for child in loaded.nodes:
        if child.parent_id != node.pk or child.code in used:
            continue
        child_weekly = [week.actual for week in result_of[child.code].weeks[: d + 1]]
        evidence = engine.driver_evidence(child_weekly, parent_weekly, weeks)
        result.append(Driver(child, result_of[child.code], evidence))
    return result


# --- sparklines -------------------------------------------------------------------------------------------


@dataclass
class Sparkline:
    segments: list[str]  # "x,y x,y ..." per run of weeks with values
    target: str  # the weekly target as a polyline, "" when there is none
    last: tuple[str, str] | None  # the last point drawn
    width: int = 120
    height: int = 28


def sparkline(result: engine.NodeProgress, d: int, weeks: int = SPARKLINE_WEEKS) -> Sparkline | None:
    """A small SVG polyline of the weekly actuals of the last `weeks` weeks up to the as-of week."""
    if d < 0:
        return None
    start = max(0, d - weeks + 1)
    values = [week.actual for week in result.weeks[start : d + 1]]
    targets = [week.target for week in result.weeks[start : d + 1]]
    present = [value for value in values + targets if value is not None]
    if not any(value is not None for value in values):
        return None
    low, high = min(present), max(present)
    span = high - low or Decimal(1)
    width, height, pad = 120, 28, 2
    step = Decimal(width - 2 * pad) / max(len(values) - 1, 1)

    def point(k, value):
        x = pad + step * k
        y = pad + (high - value) / span * (height - 2 * pad)
        return f"{x:.1f}", f"{y:.1f}"

    segments, current, last = [], [], None
    for k, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        last = point(k, value)
        current.append(",".join(last))
    if current:
        segments.append(current)
    target = ""
    if all(value is not None for value in targets):
        target = " ".join(",".join(point(k, value)) for k, value in enumerate(targets))
    return Sparkline([" ".join(segment) for segment in segments], target, last)
