"""How much a node moves the KGI (docs/numbers.md "Progress" and "The funnel"): sensitivity and improvement
impact (改善インパクト).

Both carry a change of one node up its path to the KGI, one parent at a time; a parent carries a change of its
child through its formula, or (a measured parent) through its breakdown over its direct children.
- Sensitivity changes every weekly value of a measured node, actual and projected, by 1% and recomputes the
  ancestors' weekly values and forecasts (`sensitivities`, `_Propagation`). A measured parent with a breakdown
  keeps its entered values, so it moves by the breakdown's ratio: every weekly value times
  f(children's new landing forecasts) / f(children's landing forecasts) (`_Propagation._breakdown_step`).
- Improvement impact changes a node's landing forecast to its period target and carries it up through the
  period values alone, L'(parent) = L(parent) x f(children's L') / f(children's L) (`impacts`).

Decisions:
- Sensitivity is the elasticity (F' - F) / F x 100 with F the KGI forecast; a measured KGI gets its own
  sensitivity (1) but is left out of the ranking (core.ranking).
- A measured node whose values are all zero gets sensitivity 0 (1% more of nothing), as does one whose path
  stops before the KGI. When the KGI forecast is missing or zero, every sensitivity is missing. Through a
  breakdown whose value over the children's landing forecasts is missing or zero, the sensitivity is missing.
- Impact is carried up the node's own parent path only: a change of a node is not carried sideways into the
  formulas of other nodes that use it (a rate beside its counts keeps its landing forecast when a count moves),
  as "children not changed keep L' = L" says. It is computed for every node under the KGI (formula KPIs too),
  null on the KGI; it is exactly 0 (no reason) when the node's forecast already equals its target, and 0 with
  the reason IMPACT_DRIVER or IMPACT_OTHER_NODES where the carry stops. The ratio f(L') / f(L) is computed
  first, so a node at its target moves nothing by a rounding digit.
"""

import decimal
import operator
from decimal import Decimal
from itertools import compress, repeat

from metrics.engine.evaluation import evaluate, evaluate_series
from metrics.engine.forecast import fill_projection, period_forecast
from metrics.engine.nodes import uses
from metrics.engine.series import aggregate, has_missing, scaled_up
from metrics.engine.types import (
    HUNDRED,
    IMPACT_DRIVER,
    IMPACT_NO_FORECAST,
    IMPACT_NO_TARGET,
    IMPACT_OTHER_NODES,
    IMPACT_ZERO,
    ONE_PERCENT_UP,
    RECOMPUTE,
)

_EXACTLY_ONE = Decimal(1).as_tuple()


def path_to_kgi(node, kgi) -> list | None:
    """[node, its parent, ..., kgi] when each is used by the next one's formula or breakdown; None where the path
    stops (a driver)."""
    path = [node]
    while path[-1] is not kgi:
        parent = path[-1].parent
        if parent is None or uses(parent, path[-1]) is None:
            return None  # a driver, or not used by its parent's formula or breakdown
        path.append(parent)
    return path


# --- improvement impact -----------------------------------------------------------------------------------


def impacts(nodes, kgi) -> dict[str, tuple[Decimal | None, str | None]]:
    """{code: (impact, reason)} of every node under the KGI (the KGI gets (None, None)).

    The node's L' is its period target; each parent up to the KGI gets L'(parent) = L(parent) x f(L') / f(L).
    O(path length) per node, over the landing forecasts already computed.
    """
    result = {}
    kgi_forecast = period_forecast(kgi) if kgi is not None else None
    memo = {}  # parent code -> (its children's landing forecasts, f of them): shared by its children
    for node in nodes:
        if node is kgi or kgi is None:
            result[node.code] = (None, None)
        else:
            result[node.code] = _impact(node, kgi, kgi_forecast, memo)
    return result


def _impact(node, kgi, kgi_forecast, memo):
    target = node.data.target
    if target is None:
        return None, IMPACT_NO_TARGET
    forecast = period_forecast(node)
    if forecast is None:
        return None, IMPACT_NO_FORECAST
    if target == forecast:
        return Decimal(0), None
    child, changed = node, target
    while child is not kgi:
        parent = child.parent
        how = uses(parent, child) if parent is not None else None
        if how is None:
            return Decimal(0), IMPACT_DRIVER
        if how == "other":
            return Decimal(0), IMPACT_OTHER_NODES
        formula = parent.formula if how == "formula" else parent.breakdown
        if parent.code not in memo:
            inputs = parent.inputs if how == "formula" else parent.breakdown_inputs
            old = {item.code: period_forecast(item) for item in inputs}
            memo[parent.code] = (old, None if None in old.values() else evaluate(formula, old)[0])
        old, before = memo[parent.code]
        parent_forecast = period_forecast(parent)
        if parent_forecast is None or None in old.values():
            return None, IMPACT_NO_FORECAST
        after, _reason = evaluate(formula, {**old, child.code: changed})
        if before is None or after is None or before == 0:
            return None, IMPACT_ZERO
        child, changed = parent, parent_forecast * (after / before)
    if kgi_forecast is None:
        return None, IMPACT_NO_FORECAST
    return changed - kgi_forecast, None


def breakdown_ratio(node, values) -> Decimal | None:
    """f(values) / f(landing forecasts) of a measured node's breakdown (`values`: {code: new landing forecast} of
    the children that changed); None where either is missing or the landing forecasts' is zero."""
    old = {item.code: period_forecast(item) for item in node.breakdown_inputs}
    new = {**old, **values}
    before, _reason = evaluate(node.breakdown, old)
    after, _reason = evaluate(node.breakdown, new)
    if before is None or after is None or before == 0:
        return None
    return after / before


def sensitivities(nodes, kgi, n: int, d: int) -> dict[str, Decimal | None]:
    """For each measured node: % change of the KGI forecast when all its weekly values are 1% higher."""
    measured = [node for node in nodes if node.measured]
    base = period_forecast(kgi) if kgi is not None else None
    if base is None or base == 0:
        return dict.fromkeys((node.code for node in measured), None)
    propagation = _Propagation(nodes, kgi, n, d)
    result = {}
    for node in measured:
        path = path_to_kgi(node, kgi)
        if path is None:
            result[node.code] = Decimal(0)
            continue
        changed = propagation.scaled(path, 0)
        result[node.code] = None if changed is None else (changed - base) / base * HUNDRED
    return result


class _Propagation:
    """The KGI forecast after a change, recomputing only the changed node's ancestors.

    Of an ancestor only what is needed is recomputed: its weeks whose inputs changed (up to the as-of
    week; the first projected week stands for all projected weeks, which have the same inputs), and
    for a `recompute` ancestor its period value (the formula over its children's period values) plus
    its weekly values only where a `sum`/`average`/`last` ancestor above uses them.
    An ancestor whose values come out exactly 1% higher continues as "that ancestor 1% higher", which
    is computed once and shared (a product's factors all give it), and a `sum`-like formula of inputs
    times constants moves by its coefficient times the change, without evaluating it again.
    Every step is the same Decimal operations, in the same order, as tests/metrics/engine_oracle.py's
    week by week version; what is skipped is only what is proven not to change a digit.
    """

    def __init__(self, nodes, kgi, n, d):
        self.kgi = kgi
        self.n = n
        self.d = d
        # The weeks 0..last stand for all (the later ones are projected alike), unless a monthly node is in the tree.
        self.uniform = all(node.uniform for node in nodes)
        self.last = min(d + 1, n - 1) if self.uniform else n - 1
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
                self.memo[node.code] = period_forecast(node) * ONE_PERCENT_UP
            else:
                # Only the weeks up to `last` are read; the later (projected) ones are copies of week d + 1.
                head = node.weekly_forecast[: self.last + 1]
                decimal.getcontext().clear_flags()  # from here on, a flag says an operation was not exact
                if node.forecast_complete:
                    weekly = list(map(operator.mul, head, repeat(ONE_PERCENT_UP)))  # scaled_up, nothing missing
                    changed = list(compress(range(len(weekly)), weekly))  # a Decimal is true when it is not 0
                else:
                    weekly = scaled_up(head)
                    changed = [k for k, value in enumerate(weekly) if value is not None and value != 0]
                if len(weekly) < self.n:
                    weekly += [weekly[self.d + 1]] * (self.n - len(weekly))
                period = period_forecast(node)
                period = None if period is None else period * ONE_PERCENT_UP
                self.memo[node.code] = self._propagate(path, i, weekly, period, changed)
        return self.memo[node.code]

    def _propagate(self, path, start, new_weekly, new_period, changed):
        """The KGI forecast after path[start] took `new_weekly` (changed in the weeks `changed`) and `new_period`.

        A period value of a `sum`/`average`/`last` ancestor is only aggregated where something reads it (the
        KGI's, a `recompute` parent's input, the checks below), which are the same values whenever they are read.
        """
        weekly = {path[start].code: new_weekly}
        complete = {path[start].code: path[start].forecast_complete}  # 1% more keeps every value present
        period = {path[start].code: new_period}

        def period_of(node):
            if node.code not in period:
                period[node.code] = aggregate(weekly[node.code], node.aggregation, complete.get(node.code, False))
            return period[node.code]

        for i in range(start + 1, len(path)):
            below, current = path[i - 1], path[i]
            if not changed and below.code in self.needs_weekly and period_of(below) == period_forecast(below):
                return period_forecast(self.kgi)  # nothing moved (no values, or only zeros)
            if current.formula is None:  # a measured parent, through its breakdown
                step = self._breakdown_step(current, below, period_of(below))
                if step is None:
                    return None
                weekly[current.code], changed = step
                complete[current.code] = current.forecast_complete
            elif current.code in self.needs_weekly:  # then `below` is too
                weekly[current.code], changed, complete[current.code] = self._weekly(
                    current, below, weekly, changed, complete[below.code]
                )
            if current.aggregation == RECOMPUTE:
                # A rate over the period: the formula over the children's period values, never over weeks.
                inputs = {
                    child.code: period_of(child) if child is below else period_forecast(child)
                    for child in current.inputs
                }
                period[current.code], _reason = evaluate(current.formula, inputs)
            if self._is_scaled(current, weekly.get(current.code), period_of):
                return self.scaled(path, i)
        return period_of(self.kgi)

    def _breakdown_step(self, current, below, below_period):
        """(new weekly forecast, changed weeks) of the measured `current` when its child `below` lands on
        `below_period`: every weekly value times its breakdown's ratio; None where the ratio is missing."""
        ratio = breakdown_ratio(current, {below.code: below_period})
        if ratio is None:
            return None
        old = current.weekly_forecast
        values = [None if value is None else value * ratio for value in old]
        changed = [k for k in range(self.last + 1) if values[k] != old[k]]
        return values, changed

    def _weekly(self, current, below, weekly, changed, below_complete):
        """The weekly forecast of `current` after `below` changed in the weeks `changed` (`below_complete`: its new
        values are all present), its changed weeks, and whether its new values are all present.

        A week keeps its value object where the new value is equal to it (100 stays 100, never 100.00).
        """
        values = list(current.weekly_forecast)
        old, new = below.weekly_forecast, weekly[below.code]
        coefficient = current.coefficient(below.code) if current.additive else None
        every = len(changed) == self.last + 1  # every week 0..last: slices instead of picking
        before = _pick(values, changed, every)
        current_complete = current.forecast_complete
        all_moved = False
        if coefficient is not None:
            olds = _pick(old, changed, every)
            news = _pick(new, changed, every)
            known = current_complete and below_complete and below.forecast_complete
            if known or not (has_missing(before) or has_missing(olds) or has_missing(news)):
                # Inputs times constants: the change of one input moves the result by the coefficient times it.
                moves = map(operator.sub, news, olds)
                if coefficient.as_tuple() != _EXACTLY_ONE:  # 1 * x is x, digit for digit: skip it
                    moves = map(operator.mul, repeat(coefficient), moves)
                after = list(map(operator.add, before, moves))
                after_complete = True
                # Every week moved when every operation since the 1% was exact (no flag of the context raised,
                # see `scaled`) and the coefficient is not 0: each changed week's input differs from its old
                # value, so their difference is not 0, nor is the coefficient times it, and adding that exactly
                # to a finite value changes it. Then comparing each week (below) is not needed.
                all_moved = bool(coefficient) and not any(decimal.getcontext().flags.values())
            else:
                after = self._weeks_one_by_one(current, coefficient, values, old, new, weekly, changed)
                after_complete = not has_missing(after)
        else:
            series = [weekly.get(child.code, child.weekly_forecast) for child in current.inputs]
            picked = [_pick(inputs, changed, every) for inputs in series]
            known = below_complete and all(child.forecast_complete for child in current.inputs if child is not below)
            after = evaluate_series(current, picked, len(changed), complete=known)[0]
            after_complete = not has_missing(after)
        if all_moved or all(moved := list(map(operator.ne, after, before))):
            still_changed = changed
            if every:
                values[: len(after)] = after
            else:
                for k, value in zip(changed, after, strict=True):
                    values[k] = value
        else:
            still_changed = list(compress(changed, moved))
            for k, value in zip(still_changed, compress(after, moved), strict=True):
                values[k] = value
        if self.uniform:
            fill_projection(values, self.d)
        return values, still_changed, current_complete and after_complete

    def _weeks_one_by_one(self, current, coefficient, values, old, new, weekly, changed):
        """The new values of an additive `current` in the weeks `changed` where some value is missing."""
        results = {}
        for k in changed:
            if values[k] is not None and old[k] is not None and new[k] is not None:
                results[k] = values[k] + coefficient * (new[k] - old[k])
        others = [k for k in changed if k not in results]
        if others:
            series = [weekly.get(child.code, child.weekly_forecast) for child in current.inputs]
            picked = [list(map(inputs.__getitem__, others)) for inputs in series]
            evaluated, _reasons = evaluate_series(current, picked, len(others))
            results.update(zip(others, evaluated, strict=True))
        return list(map(results.__getitem__, changed))

    def _is_scaled(self, node, new_weekly, period_of):
        """Whether the node's new values are exactly its computed forecast 1% higher.

        The weeks are compared first: they usually differ in the first week, and then the period value is
        not needed.
        """
        if new_weekly is not None:
            old_weekly = node.weekly_forecast
            for k in range(self.last + 1):
                old, new = old_weekly[k], new_weekly[k]
                if (old is None) != (new is None) or (old is not None and new != old * ONE_PERCENT_UP):
                    return False
        old_period = period_forecast(node)
        new_period = period_of(node)
        if (old_period is None) != (new_period is None):
            return False
        return old_period is None or new_period == old_period * ONE_PERCENT_UP


def _pick(series, weeks, every):
    """The items of `series` at the indexes `weeks`; `every`: those are 0..len(weeks)-1."""
    if every:
        return series[: len(weeks)]
    return list(map(series.__getitem__, weeks))
