"""The landing forecast (docs/numbers.md "Progress"): the weeks after the as-of week projected, and the value
over the whole period.

Every measured node's weeks after the as-of week are projected at the mean of its last 4 weekly values present
up to the as-of week (fewer where fewer exist; none: no forecast). A node entered monthly (`Node.due`, set by
core from the weeks) has values only in its due weeks (the first week whose fourth day is in the month), so only
its due weeks after the as-of week are projected, the others stay missing. A formula node's projected weeks
follow from its inputs'. The forecast of a node is its value over the whole period, actual and projected weeks
together.

Every projected week has the same value unless a monthly node is below (`Node.uniform` false): then the projected
weeks of a formula node are evaluated one by one.
"""

import operator
from decimal import Decimal
from functools import partial
from itertools import islice

from metrics.engine.evaluation import evaluate_series, evaluate_week
from metrics.engine.series import running_continued
from metrics.engine.types import RECOMPUTE

PROJECTION_WEEKS = 4  # the projection is the mean of this many last weekly values present
_present = partial(operator.is_not, None)


def compute_forecast(node, n, d):
    """Weekly values with the weeks after the as-of week projected, and their running value from it on.

    `n` is the number of weeks, `d` the index of the as-of week. Every projected week of a measured node has
    the same value, so every projected week of a formula node has the same inputs: one evaluation serves them
    all. Children are done first.
    """
    later = n - d - 1
    if node.measured:
        latest = list(islice(filter(_present, reversed(node.weekly[: d + 1])), PROJECTION_WEEKS))
        latest.reverse()  # summed in week order
        node.projection = sum(latest, Decimal(0)) / len(latest) if latest else None
        if node.due is not None and later > 0:
            projected = [node.projection if node.due[k] else None for k in range(d + 1, n)]
            node.uniform = node.projection is None or len(set(projected)) == 1
            node.weekly_forecast = node.weekly[: d + 1] + projected
            node.forecast_complete = node.complete and None not in projected
        else:
            node.weekly_forecast = node.weekly[: d + 1] + [node.projection] * later
            node.forecast_complete = node.complete and (later == 0 or node.projection is not None)
    elif node.formula is None:
        node.weekly_forecast = [None] * n
    elif later > 0 and not all(child.uniform for child in node.inputs):
        node.uniform = False
        series = [child.weekly_forecast[d + 1 :] for child in node.inputs]
        projected, _reasons = evaluate_series(node, series, later)
        node.weekly_forecast = node.weekly[: d + 1] + projected
        node.forecast_complete = node.complete and None not in projected
    else:
        projected = None
        if later > 0:
            projected = evaluate_week(node, [child.weekly_forecast for child in node.inputs], d + 1)
        node.weekly_forecast = node.weekly[: d + 1] + [projected] * later
        node.forecast_complete = node.complete and (later == 0 or projected is not None)

    if node.formula is not None and node.aggregation == RECOMPUTE:
        start = max(d, 0)
        series = [child.run_forecast[start:n] for child in node.inputs]
        values, _reasons = evaluate_series(node, series, n - start)
        node.run_forecast = [None] * start + values
    else:
        node.run_forecast = running_continued(
            node.run_actual, node.weekly_forecast, node.aggregation, node.forecast_complete
        )


def period_forecast(node):
    """The node's landing forecast: its running forecast at the period's last week."""
    return node.run_forecast[-1] if node.run_forecast else None


def fill_projection(values: list, d: int) -> None:
    """Copy the first projected week's value (index d + 1) to the later projected weeks."""
    if d + 2 < len(values):
        values[d + 2 :] = [values[d + 1]] * (len(values) - d - 2)
