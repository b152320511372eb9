"""Evidence beside the numbers (docs/numbers.md "Words" and "Initiatives"): how a driver's weekly values
correlate with its parent's, and an initiative's before/after effect. Statistics over plain weekly values.

Decisions:
- Drivers: r is missing with fewer than 2 pairs or without variation; the best lag needs 3 pairs, ties go
  to the shorter lag. Correlation is evidence for the link, not proof of cause.
- Initiatives: the start week is the week that holds the start date and counts as "after". A before/after
  comparison, not proof of cause.
"""

import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from goals.periods import week_containing
from metrics.engine.types import PRECISION


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
    """The before/after comparison of docs/numbers.md "Initiatives" for one KPI's weekly values.

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
