"""Targets in the engine (docs/numbers.md "Targets over time"): weekly targets and the target to date (pace),
unusable seasonality weights, and targets that do not add up.

Spreading a period target over the weeks is the goals app's (goals.targets.weekly_targets): the target pages
show the same spread.
"""

from decimal import Decimal

from goals.targets import targets_differ, usable_weights, weekly_targets
from metrics.engine.evaluation import evaluate
from metrics.engine.series import running_sum
from metrics.engine.types import SUM, TARGETS_DO_NOT_ADD_UP, WEIGHTS_IGNORED, EngineWarning


def targets(target, aggregation, weeks, weights, memo) -> tuple[list, list]:
    """The weekly targets and their running value (pace) for `sum`; for the others the weekly targets twice.

    Nodes with the same target and no weights share one computation (`memo`, one per compute(): Decimal
    equality would mix 100 and 100.0, so it is keyed on the digits and exponent).
    """
    key = None
    if memo is not None and weights is None and target is not None:
        key = (target.as_tuple(), aggregation) if isinstance(target, Decimal) else None
        if key in memo:
            return memo[key]
    week_targets = weekly_targets(target, aggregation, weeks, weights)
    if aggregation == SUM:
        result = week_targets, running_sum(week_targets) if target is not None else [None] * len(weeks)
    else:
        result = week_targets, week_targets
    if key is not None:
        memo[key] = result
    return result


def weights_warning(node, n: int) -> EngineWarning | None:
    """A `weights_ignored` warning when a `sum` node with a target has weights that cannot spread it.

    Weights on other nodes are ignored silently: their period target is every week's target anyway.
    """
    data = node.data
    if data.weights is None or node.aggregation != SUM or (data.target is None and data.stretch is None):
        return None
    if usable_weights(data.weights, n) is not None:
        return None
    return EngineWarning(WEIGHTS_IGNORED, node.code, detail=str(len(data.weights)))


def check_targets(nodes, warnings: list) -> None:
    """Formula nodes whose target differs by over 1% from the formula applied to the children's targets.

    Not checked when a child's target is missing or the formula has no value for them (division by zero).
    """
    for node in nodes:
        if node.formula is None or node.data.target is None:
            continue
        children = {child.code: child.data.target for child in node.inputs}
        if any(value is None for value in children.values()):
            continue
        expected, _reason = evaluate(node.formula, children)
        if expected is not None and targets_differ(expected, node.data.target):
            warnings.append(
                EngineWarning(TARGETS_DO_NOT_ADD_UP, node.code, expected, node.data.target, inputs=node.refs)
            )
