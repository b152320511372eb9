"""A node's formula over its inputs: one week, or whole series at a time, with the reason of every missing value."""

from goals.formulas import DivisionByZero, EvaluationError, MissingInput
from metrics.engine.series import has_missing
from metrics.engine.types import DIVISION_BY_ZERO, FORMULA_ERROR, MISSING_INPUT


def evaluate(formula, values):
    """(value, reason) of `formula` over `values`; missing inputs and division by zero give a reason."""
    try:
        return formula.evaluate(values), None
    except MissingInput:
        return None, MISSING_INPUT
    except (DivisionByZero, ZeroDivisionError):
        return None, DIVISION_BY_ZERO
    except (EvaluationError, ArithmeticError):
        return None, FORMULA_ERROR


def evaluate_columns(node, columns) -> tuple[list, list]:
    """Evaluate `node`'s formula once per item of `columns` (tuples of input values in `node.refs` order)."""
    values = []
    reasons = []
    refs = node.refs
    formula = node.formula
    for column in columns:
        if has_missing(column):  # the usual case for weeks not entered yet: no exception to build
            values.append(None)
            reasons.append(MISSING_INPUT)
            continue
        try:
            values.append(formula.evaluate(dict(zip(refs, column, strict=False))))
            reasons.append(None)
        except Exception:  # sorted out by evaluate(), the one place that knows the reasons
            value, reason = evaluate(formula, dict(zip(refs, column, strict=False)))
            values.append(value)
            reasons.append(reason)
    return values, reasons


def evaluate_series(node, series_list, length, complete=False) -> tuple[list, list]:
    """(values, reasons) of `node`'s formula at positions 0..length-1 of its input series (in `node.refs` order).

    Exactly what `evaluate_columns` gives position by position; for a node whose inputs are plain Decimals
    (`node.fast`) the positions without a missing input are computed operation by operation over whole series
    (formulas.Formula.evaluate_series), falling back to one by one where one of them would raise. `complete`: the
    caller knows that no input value is missing.
    """
    if not node.fast:
        return evaluate_columns(node, columns(series_list, 0, length))
    evaluate_whole = node.formula.evaluate_series
    if complete or not any(map(has_missing, series_list)):
        values = evaluate_whole(series_list, length)
        if values is not None:
            return values, [None] * length
        return evaluate_columns(node, columns(series_list, 0, length))
    missing = set()
    for series in series_list:
        missing.update(k for k, value in enumerate(series) if value is None)
    present = [k for k in range(length) if k not in missing]
    values = [None] * length
    reasons = [MISSING_INPUT] * length
    if present:
        picked = [list(map(series.__getitem__, present)) for series in series_list]
        evaluated = evaluate_whole(picked, len(present))
        if evaluated is None:
            evaluated, found = evaluate_columns(node, columns(picked, 0, len(present)))
        else:
            found = [None] * len(present)
        for k, value, reason in zip(present, evaluated, found, strict=True):
            values[k] = value
            reasons[k] = reason
    return values, reasons


def evaluate_week(node, series_list, k):
    """The formula of `node` over the k-th item of each input series (in `node.refs` order)."""
    values, _reasons = evaluate_columns(node, [tuple(series[k] for series in series_list)])
    return values[0]


def columns(series_list, start, stop):
    """Tuples of the k-th item of each series, for k in start..stop-1."""
    if not series_list:
        return [()] * (stop - start)
    return list(zip(*(series[start:stop] for series in series_list), strict=True))
