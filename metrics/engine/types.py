"""The engine's input and output as plain data, and the words it uses for kinds, reasons and statuses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from goals.targets import PRECISION, SIX_PLACES, TARGET_TOLERANCE  # noqa: F401 (the engine's names for them)

SUM, AVERAGE, LAST, RECOMPUTE = "sum", "average", "last", "recompute"
HIGHER, LOWER = "higher", "lower"
WEEKLY, MONTHLY = "weekly", "monthly"  # NodeData.frequency: how often a measured node is entered
ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA, INCOMPLETE = "on_track", "at_risk", "off_track", "no_data", "incomplete"

# Why a value is missing (WeekValue.reason, NodeProgress.actual_reason).
NO_ENTRY = "no_entry"  # a measured node without an entry (for a range: without any entry in it)
MISSING_INPUT = "missing_input"  # a formula input is missing
DIVISION_BY_ZERO = "division_by_zero"
FORMULA_ERROR = "formula_error"  # the node's formula cannot be used

# EngineWarning.kind (besides DIVISION_BY_ZERO, MISSING_INPUT and FORMULA_ERROR)
TARGETS_DO_NOT_ADD_UP = "targets_do_not_add_up"
WEIGHTS_IGNORED = "weights_ignored"
BREAKDOWN_MISMATCH = "breakdown_mismatch"  # a measured node's actual to date against its breakdown's
BREAKDOWN_ERROR = "breakdown_error"  # a breakdown that cannot be used (it then carries nothing)

# Why an impact is 0 (the carry stops) or missing (NodeProgress.impact_reason).
IMPACT_DRIVER = "driver"  # a parent links the node without math: no formula or breakdown that uses it
IMPACT_OTHER_NODES = "other_nodes"  # a parent's formula uses nodes other than its direct children
IMPACT_NO_TARGET = "no_target"  # missing: the node has no target
IMPACT_NO_FORECAST = "no_forecast"  # missing: a landing forecast on the way is missing
IMPACT_ZERO = "zero"  # missing: a formula or breakdown on the way gives zero (or cannot be computed)

DEFAULT_WARNING_THRESHOLD = Decimal(90)
HUNDRED = Decimal(100)
ONE_PERCENT_UP = Decimal("1.01")


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
    breakdown: str = ""  # a measured node's breakdown over its direct children ("" for none)
    frequency: str = WEEKLY  # MONTHLY: entered once a month, in its due weeks

    @property
    def is_formula(self) -> bool:
        return bool(self.formula.strip())

    @property
    def has_breakdown(self) -> bool:
        return not self.is_formula and bool(self.breakdown.strip())


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


@dataclass(frozen=True)
class EngineWarning:
    """Something about the tree's numbers that people should fix; metrics.warnings puts it into words."""

    kind: str  # TARGETS_DO_NOT_ADD_UP, DIVISION_BY_ZERO, MISSING_INPUT, FORMULA_ERROR, WEIGHTS_IGNORED
    node: str  # the code of the node it is about
    expected: Decimal | None = None  # targets: the formula applied to the children's targets
    target: Decimal | None = None  # targets: the node's own target
    weeks: tuple[date, ...] = ()  # division_by_zero, missing_input: the weeks concerned
    inputs: tuple[str, ...] = ()  # targets: the children whose targets were used; missing_input: the missing ones
    detail: str = ""  # formula_error: what goals.formulas said is wrong; weights_ignored: how many weights were given
    actual: Decimal | None = (
        None  # breakdown_mismatch: the node's entered actual to date (`expected`: the breakdown's)
    )

    def message(self, tree: TreeData) -> str:
        """The warning in the active language: metrics.warnings.warning_message, which new code calls directly.

        Kept so that callers written against it keep working; the engine itself holds no wording, so the
        import is deferred (metrics.warnings imports this module).
        """
        from metrics.warnings import warning_message

        return warning_message(self, tree)


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
    impact: Decimal | None = None  # KPIs: the KGI's landing forecast with this node on its target, minus it
    impact_reason: str | None = None  # why the impact is 0 (the carry stops: IMPACT_DRIVER...) or missing

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
