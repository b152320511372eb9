"""A node's targets as plain numbers: spreading a period target over the weeks, and targets that do not add up.

Plain Python, no ORM; the progress engine (metrics.engine) and the target pages use the same functions.

Decisions (docs/numbers.md "Targets over time"):
- Only a `sum` target is spread; the target of an `average`, `last` or `recompute` node is the same in
  every week (it is a level, not a flow).
- Spread targets are rounded half up to 6 decimal places and the last week takes the remainder, so
  they add up to the period target exactly.
- Seasonality weights that are not one non-negative number per week within the bounds of docs/numbers.md
  "Bounds", or that add up to zero, are not usable: the target is spread evenly (the engine says so with a
  `weights_ignored` warning).
- Targets do not add up when the formula applied to the children's targets differs from the node's
  own target by more than 1% of that target, or at all when that target is 0.
"""

import decimal
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from goals.bounds import storable

SUM = "sum"  # Node.Aggregation.SUM: the only aggregation whose target is spread over the weeks
SIX_PLACES = Decimal("0.000001")
PRECISION = 34
TARGET_TOLERANCE = Decimal("0.01")  # targets that differ by more than 1% do not add up


def usable_weights(weights, n: int) -> list[Decimal] | None:
    """The weights as Decimals when they are one non-negative number per week within the bounds (below 10^15, at
    most 6 decimal places and 15 digits), not all zero; else None."""
    if not isinstance(weights, (list, tuple)) or len(weights) != n:
        return None
    try:
        values = [Decimal(weight) for weight in weights]
    except (TypeError, ValueError, decimal.InvalidOperation):
        return None
    if any(storable(value) != value or value < 0 for value in values) or sum(values) <= 0:
        return None
    return values


def weekly_targets(target: Decimal | None, aggregation: str, weeks: Sequence, weights=None) -> list[Decimal | None]:
    """The target of each week: a `sum` target spread evenly or by weights, else the period target every week.

    Spread targets are rounded to 6 decimal places and the last week takes the remainder, so they add
    up to `target` exactly. Weights that do not fit (see `usable_weights`) are replaced by even ones.
    """
    n = len(weeks)
    if target is None:
        return [None] * n
    if aggregation != SUM:
        return [target] * n
    if n == 0:
        return []
    spread = usable_weights(weights, n)
    with decimal.localcontext(prec=PRECISION):
        if spread is None:  # even: every week but the last gets the same rounded share
            share = (target / n).quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
            return [share] * (n - 1) + [target - share * (n - 1)]
        total = sum(spread)
        result = [(target * weight / total).quantize(SIX_PLACES, rounding=ROUND_HALF_UP) for weight in spread[:-1]]
        result.append(target - sum(result, Decimal(0)))
    return result


def targets_differ(expected: Decimal, target: Decimal) -> bool:
    """Whether `expected` (a formula applied to the children's targets) does not add up to the node's `target`."""
    with decimal.localcontext(prec=PRECISION):
        difference = abs(expected - target)
        return (target == 0 and difference != 0) or (target != 0 and difference > abs(target) * TARGET_TOLERANCE)
