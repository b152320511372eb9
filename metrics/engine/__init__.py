"""The progress engine: every number of docs/numbers.md "Progress", from plain data. No ORM, no wording, Decimal
throughout.

Input (built from the database by metrics.progress.load_trees, or by hand in tests)::

    tree = TreeData(code="fy2026-marketing", weeks=(date(2026, 3, 30), ...), warning_threshold=Decimal(90),
                    nodes=(NodeData(code="revenue", formula="deals * avg_deal_size", target=Decimal(120000000)),
                           NodeData(code="deals", parent="revenue", target=Decimal(240)), ...))
    entries = {"deals": {date(2026, 3, 30): Decimal(5), ...}, ...}   # measured nodes only; absent = missing
    progress = compute(tree, entries, as_of=date(2026, 7, 1))

Output: a `Progress` with `as_of_week`, `nodes` (code -> `NodeProgress`, in tree order), `kgi`, `ranking`
(measured KPIs by sensitivity; `rank_kpis(progress)` ranks every KPI by improvement impact) and `warnings`
(`EngineWarning`; metrics.warnings words them). A `NodeProgress` holds the weekly values (`weeks`: `WeekValue`
per week of the period), the figures at the as-of week (actual/target/stretch to date, achievement in percent,
status), the landing forecast, the sensitivity, the improvement impact (`impact`, `impact_reason`), and the
cumulative series the charts draw (one item per week, None where not drawn).

The modules, by concern:
- types: the input and output (NodeData, TreeData, WeekValue, EngineWarning, NodeProgress, Progress) and
  the words for kinds, reasons and statuses;
- series: aggregation over a range of weeks and running values; evaluation: formulas over weekly series;
- nodes: the tree prepared once (formulas parsed, parents linked); core: compute() and weekly_values();
- targets: weekly targets and pace (spreading itself is goals.targets.weekly_targets), targets that do
  not add up; forecast: the landing forecast (monthly nodes too); impact: sensitivity and improvement impact,
  through formulas and breakdowns; ranking: KPIs by improvement impact;
- results: a node's NodeProgress, and its rebuilding from a few values for metrics.progress;
- evidence: driver evidence (lagged correlation) and initiative effect (before/after means).

Decisions where docs/numbers.md is silent (more in each module's docstring):
- A measured node with aggregation `recompute` (nothing to recompute) is aggregated as `average`.
- Sums, means and formulas run with 34 significant digits; nothing is rounded here (display rounds).
- A formula may use any node of the tree (goals.formulas.rules); it is evaluated after every node it uses.
  A breakdown (NodeData has none) never changes its node's values: the engine ignores it.
- A formula that does not parse, names a code that is not in the tree, or makes a cycle, makes every value
  of its node missing (reason `formula_error`) with a `formula_error` warning.
- `missing_input` warnings name the measured direct inputs without an entry, for the weeks up to the
  as-of week only (later weeks are not due yet); a missing formula input is not repeated up the tree.
- `division_by_zero` warnings list every week of the period whose computed value divides by zero.

Speed (measured by `manage.py bench --only engine`; docs/performance.md has the numbers): formulas are parsed
once and evaluated over whole series at a time (goals.formulas.Formula.evaluate_series); running values, 1%
changes and sums of a coefficient times a change run in C loops (map, accumulate) with the same operations
in the same order as the straightforward loops that tests/metrics/engine_oracle.py keeps, and tests compare
the two digit for digit; every projected week has the same inputs, so one evaluation serves them all;
whether a node's values are all present is learnt once; sensitivity recomputes only the changed node's
ancestors and their changed weeks, aggregates their period values only where they are read, and skips
comparing weeks that the Decimal context proves changed. compute() pauses the cyclic garbage collector
(core.collector_paused, which metrics.progress uses too while it reads entries). A node's weekly rows
(`NodeProgress.weeks`) are built when first read (results.LazyNodeProgress). Results are also kept
between requests by metrics.progress, which rebuilds a node's weekly series from a few values (`node_state`,
`rebuild_node_progress`), and the entry grid needs only `weekly_values`.
"""

from goals.targets import weekly_targets
from metrics.engine.core import collector_paused, compute, ranking, weekly_values
from metrics.engine.evidence import (
    DriverEvidence,
    InitiativeEffect,
    LagCorrelation,
    driver_evidence,
    initiative_effect,
)
from metrics.engine.ranking import MISSING, RANKED, STILL, RankedKPI, rank_kpis
from metrics.engine.results import (
    LazyNodeProgress,
    NodeState,
    achievement_of,
    node_state,
    projected_weeks,
    rebuild_node_progress,
    status_of,
)
from metrics.engine.series import aggregate
from metrics.engine.types import (
    AT_RISK,
    AVERAGE,
    BREAKDOWN_ERROR,
    BREAKDOWN_MISMATCH,
    DEFAULT_WARNING_THRESHOLD,
    DIVISION_BY_ZERO,
    FORMULA_ERROR,
    HIGHER,
    HUNDRED,
    IMPACT_DRIVER,
    IMPACT_NO_FORECAST,
    IMPACT_NO_TARGET,
    IMPACT_OTHER_NODES,
    IMPACT_ZERO,
    INCOMPLETE,
    LAST,
    LOWER,
    MISSING_INPUT,
    MONTHLY,
    NO_DATA,
    NO_ENTRY,
    OFF_TRACK,
    ON_TRACK,
    ONE_PERCENT_UP,
    PRECISION,
    RECOMPUTE,
    SIX_PLACES,
    SUM,
    TARGET_TOLERANCE,
    TARGETS_DO_NOT_ADD_UP,
    WEEKLY,
    WEIGHTS_IGNORED,
    EngineWarning,
    NodeData,
    NodeProgress,
    Progress,
    TreeData,
    WeekValue,
)

_aggregate = aggregate  # the name metrics.reports uses

__all__ = [
    "AT_RISK",
    "AVERAGE",
    "BREAKDOWN_ERROR",
    "BREAKDOWN_MISMATCH",
    "IMPACT_DRIVER",
    "IMPACT_NO_FORECAST",
    "IMPACT_NO_TARGET",
    "IMPACT_OTHER_NODES",
    "IMPACT_ZERO",
    "MISSING",
    "MONTHLY",
    "RANKED",
    "STILL",
    "WEEKLY",
    "RankedKPI",
    "rank_kpis",
    "DEFAULT_WARNING_THRESHOLD",
    "DIVISION_BY_ZERO",
    "FORMULA_ERROR",
    "HIGHER",
    "HUNDRED",
    "INCOMPLETE",
    "LAST",
    "LOWER",
    "MISSING_INPUT",
    "NO_DATA",
    "NO_ENTRY",
    "OFF_TRACK",
    "ONE_PERCENT_UP",
    "ON_TRACK",
    "PRECISION",
    "RECOMPUTE",
    "SIX_PLACES",
    "SUM",
    "TARGETS_DO_NOT_ADD_UP",
    "TARGET_TOLERANCE",
    "WEIGHTS_IGNORED",
    "DriverEvidence",
    "EngineWarning",
    "InitiativeEffect",
    "LagCorrelation",
    "LazyNodeProgress",
    "NodeData",
    "NodeProgress",
    "NodeState",
    "Progress",
    "TreeData",
    "WeekValue",
    "achievement_of",
    "aggregate",
    "collector_paused",
    "compute",
    "driver_evidence",
    "initiative_effect",
    "node_state",
    "projected_weeks",
    "ranking",
    "rebuild_node_progress",
    "status_of",
    "weekly_targets",
    "weekly_values",
]
