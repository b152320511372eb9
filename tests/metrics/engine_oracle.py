"""The oracle for the engine's hot loops: straightforward, one-value-at-a-time versions of them.

The engine (metrics.engine) runs its hot loops whole series at a time in C (map, accumulate) and skips work
it can prove gives the same digits. The functions here do the same arithmetic the obvious way, one value at a
time, in the order the rules of docs/numbers.md read. `oracle_engine()` swaps them into the engine, so a
test computes a tree both ways and compares every digit (tests/metrics/test_engine_fast_paths.py).

Each oracle function replaces the engine function of the same contract (`REPLACES`); the swap fails loudly
when an engine function it names no longer exists, so the comparison can never silently run the engine
against itself.
"""

import contextlib
import importlib
from decimal import Decimal

import pytest

from metrics.engine import core, evaluation, forecast, impact, nodes, series, targets
from metrics.engine.types import FORMULA_ERROR, LAST, NO_ENTRY, ONE_PERCENT_UP, RECOMPUTE, SUM

ENGINE_MODULES = ("core", "evaluation", "forecast", "impact", "nodes", "results", "series", "targets")


# --- series -----------------------------------------------------------------------------------------------


def running_sum(values):
    total = Decimal(0)
    result = []
    for value in values:
        total += value
        result.append(total)
    return result


def aggregate(values, aggregation, complete=False):
    present = [value for value in values if value is not None]
    if not present:
        return None
    if aggregation == SUM:
        return sum(present, Decimal(0))
    if aggregation == LAST:
        return present[-1]
    return sum(present, Decimal(0)) / len(present)


def scaled_up(values):
    return [None if value is None else value * ONE_PERCENT_UP for value in values]


def running(values, aggregation, complete=False):
    result = []
    current = None
    if aggregation == LAST:
        for value in values:
            if value is not None:
                current = value
            result.append(current)
        return result
    total = Decimal(0)
    count = 0
    for value in values:
        if value is not None:
            total += value
            count += 1
            current = total if aggregation == SUM else total / count
        result.append(current)
    return result


def running_continued(known, values, aggregation, complete=False):
    return running(values, aggregation)


# --- weekly values and forecasts ----------------------------------------------------------------------------


def compute_actual(node, node_entries, weeks, d):
    """core._compute_actual with every reason looked up value by value."""
    n = len(weeks)
    if node.measured:
        node.weekly = [node_entries.get(week) for week in weeks]
        node.reasons = [None if value is not None else NO_ENTRY for value in node.weekly]
        node.plain = all(type(value) is Decimal and value.is_finite() for value in node.weekly if value is not None)
    elif node.formula is None:
        node.weekly = [None] * n
        node.reasons = [FORMULA_ERROR] * n
    else:
        node.fast = all(child.plain for child in node.inputs)
        node.weekly, node.reasons = evaluate_series(node, [child.weekly for child in node.inputs], n)
    if node.formula is not None and node.aggregation == RECOMPUTE:
        node.run_actual, node.run_reasons = evaluate_series(node, [child.run_actual for child in node.inputs], d + 1)
    else:
        node.run_actual = running(node.weekly[: d + 1], node.aggregation)
        if node.measured:
            node.run_reasons = [None if value is not None else NO_ENTRY for value in node.run_actual]
        elif node.formula is None:
            node.run_reasons = [FORMULA_ERROR] * (d + 1)
        else:
            node.run_reasons = core._range_reasons(node.run_actual, node.reasons)


def compute_forecast(node, n, d):
    """forecast.compute_forecast: the projection from the values present, the running forecast from week 0."""
    if node.measured:
        present = [value for value in node.weekly[: d + 1] if value is not None][-4:]
        node.projection = sum(present, Decimal(0)) / len(present) if present else None
        due = node.due or [True] * n  # a monthly node: only its due weeks are projected
        node.weekly_forecast = node.weekly[: d + 1] + [node.projection if due[k] else None for k in range(d + 1, n)]
        node.uniform = len(set(node.weekly_forecast[d + 1 :])) <= 1
    elif node.formula is None:
        node.weekly_forecast = [None] * n
    else:
        node.uniform = all(child.uniform for child in node.inputs)
        projected = []
        for k in range(d + 1, n):  # every projected week on its own
            inputs = [[child.weekly_forecast[k]] for child in node.inputs]
            projected.append(evaluate_series(node, inputs, 1)[0][0])
        node.weekly_forecast = node.weekly[: d + 1] + projected
    if node.formula is not None and node.aggregation == RECOMPUTE:
        start = max(d, 0)
        values, _reasons = evaluate_series(node, [child.run_forecast[start:n] for child in node.inputs], n - start)
        node.run_forecast = [None] * start + values
    else:
        node.run_forecast = running(node.weekly_forecast, node.aggregation)


# --- formulas ---------------------------------------------------------------------------------------------


def evaluate_series(node, series_list, length, complete=False):
    """The formula week by week (Formula.evaluate), never over whole series."""
    return evaluation.evaluate_columns(node, evaluation.columns(series_list, 0, length))


# --- targets ----------------------------------------------------------------------------------------------


def weekly_and_pace(target, aggregation, weeks, weights, memo):
    """Every node's targets spread on their own (no sharing between nodes with the same target)."""
    week_targets = targets.weekly_targets(target, aggregation, weeks, weights)
    if aggregation == SUM:
        return week_targets, running_sum(week_targets) if target is not None else [None] * len(weeks)
    return week_targets, week_targets


# --- sensitivity ------------------------------------------------------------------------------------------


def scaled(self, path, i):
    """_Propagation.scaled over every week (the engine reads the first projected week for all of them)."""
    node = path[i]
    if node.code not in self.memo:
        if node is self.kgi:
            self.memo[node.code] = forecast.period_forecast(node) * ONE_PERCENT_UP
        else:
            weekly = scaled_up(node.weekly_forecast)
            changed = [k for k in range(self.last + 1) if weekly[k] is not None and weekly[k] != 0]
            period = forecast.period_forecast(node)
            period = None if period is None else period * ONE_PERCENT_UP
            self.memo[node.code] = self._propagate(path, i, weekly, period, changed)
    return self.memo[node.code]


def propagate(self, path, start, new_weekly, new_period, changed):
    """_Propagation._propagate with every ancestor's period value aggregated as soon as its weeks are known."""
    weekly_by_code = {path[start].code: new_weekly}
    period = {path[start].code: new_period}
    for i in range(start + 1, len(path)):
        below, current = path[i - 1], path[i]
        if not changed and below.code in self.needs_weekly and period[below.code] == forecast.period_forecast(below):
            return forecast.period_forecast(self.kgi)
        if current.formula is None:  # a measured parent, through its breakdown
            step = self._breakdown_step(current, below, period[below.code])
            if step is None:
                return None
            weekly_by_code[current.code], changed = step
        elif current.code in self.needs_weekly:
            weekly_by_code[current.code], changed = self._weekly(current, below, weekly_by_code, changed)
        if current.aggregation == RECOMPUTE:
            inputs = {child.code: period.get(child.code, forecast.period_forecast(child)) for child in current.inputs}
            period[current.code], _reason = evaluation.evaluate(current.formula, inputs)
        else:
            period[current.code] = aggregate(weekly_by_code[current.code], current.aggregation)
        if is_scaled(self, current, weekly_by_code.get(current.code), period[current.code]):
            return self.scaled(path, i)
    return period[self.kgi.code]


def is_scaled(self, node, new_weekly, new_period):
    """Whether the node's new period value and every new weekly value are its computed ones 1% higher."""
    old_period = forecast.period_forecast(node)
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


def weekly(self, current, below, weekly_by_code, changed):
    """_Propagation._weekly week by week: a coefficient times the change, else the formula evaluated again."""
    values = list(current.weekly_forecast)
    old, new = below.weekly_forecast, weekly_by_code[below.code]
    coefficient = current.coefficient(below.code) if current.additive else None
    results = {}
    if coefficient is not None:
        for k in changed:
            if values[k] is not None and old[k] is not None and new[k] is not None:
                results[k] = values[k] + coefficient * (new[k] - old[k])
    others = [k for k in changed if k not in results]
    if others:
        series_list = [weekly_by_code.get(child.code, child.weekly_forecast) for child in current.inputs]
        picked = [[inputs[k] for k in others] for inputs in series_list]
        evaluated, _reasons = evaluate_series(current, picked, len(others))
        results.update(zip(others, evaluated, strict=True))
    still_changed = []
    for k in changed:
        if results[k] != values[k]:
            values[k] = results[k]
            still_changed.append(k)
    if self.uniform:
        forecast.fill_projection(values, self.d)
    return values, still_changed


def coefficient(self, code):
    """Node.coefficient: the formula with `code` at 1 and every other input at 0, evaluated on its own."""
    values = dict.fromkeys(self.refs, Decimal(0))
    values[code] = Decimal(1)
    return evaluation.evaluate(self.formula, values)[0]


# --- the swap ---------------------------------------------------------------------------------------------

REPLACES = {
    core._compute_actual: compute_actual,
    forecast.compute_forecast: compute_forecast,
    series.running_sum: running_sum,
    series.aggregate: aggregate,
    series.scaled_up: scaled_up,
    series.running: running,
    series.running_continued: running_continued,
    evaluation.evaluate_series: evaluate_series,
    targets.targets: weekly_and_pace,
}
METHODS = {
    (nodes.Node, "coefficient"): coefficient,
    (impact._Propagation, "scaled"): scaled,
    (impact._Propagation, "_propagate"): propagate,
    (impact._Propagation, "_weekly"): weekly,
}


@contextlib.contextmanager
def oracle_engine():
    """Within it, the engine runs the oracle's loops instead of its own (every module that holds one)."""
    found = set()
    with pytest.MonkeyPatch.context() as patch:
        for name in ENGINE_MODULES:
            module = importlib.import_module(f"metrics.engine.{name}")
            for attribute, value in list(vars(module).items()):
                if callable(value) and value in REPLACES:
                    patch.setattr(module, attribute, REPLACES[value])
                    found.add(value)
        for (cls, name), replacement in METHODS.items():
            assert name in vars(cls), f"{cls.__name__}.{name} is gone: update the oracle"
            patch.setattr(cls, name, replacement)
        missing = [function.__qualname__ for function in REPLACES if function not in found]
        assert not missing, f"engine functions no module uses any more: {missing}; update the oracle"
        yield
