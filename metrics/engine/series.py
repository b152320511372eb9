"""Weekly series: a node's value over a range of weeks (aggregation) and its running value.

A series is a list with one item per week, None where the value is missing. The hot loops run whole series
at a time in C (`map`, `itertools.accumulate`) with the same Decimal operations in the same order as one
value at a time, so the digits are those of the straightforward loops that tests/metrics/engine_oracle.py
keeps and tests/metrics/test_engine_fast_paths.py compares with, digit for digit. Every function here runs
in the caller's Decimal context (compute() sets 34 significant digits).
"""

import operator
from decimal import Decimal
from functools import partial
from itertools import accumulate, repeat

from metrics.engine.types import LAST, ONE_PERCENT_UP, SUM

_present = partial(operator.is_not, None)
_NONE_TYPE = type(None)


def has_missing(values) -> bool:
    """Whether a value is None. Faster than `None in values`: comparing a Decimal with None is slow."""
    return not all(map(operator.is_not, values, repeat(None)))


def complete_and_plain(values) -> tuple[bool, bool]:
    """(no value is missing, every present value is a finite Decimal), in one look at the values' types."""
    types = set(map(type, values))
    complete = _NONE_TYPE not in types
    types.discard(_NONE_TYPE)
    if not types <= {Decimal}:
        return complete, False
    return complete, all(map(Decimal.is_finite, values if complete else filter(_present, values)))


def running_sum(values) -> list:
    """The running totals of `values` (none missing), from Decimal(0)."""
    result = list(accumulate(values, operator.add, initial=Decimal(0)))
    del result[0]
    return result


def aggregate(values, aggregation, complete=False):
    """The value of weekly `values` over their range (None = missing, skipped); None when none is present.

    `aggregation` is SUM, AVERAGE or LAST (a `recompute` node's value over a range is its formula's).
    `complete`: the caller knows that no value is missing (here and below: then it is not looked for).
    """
    present = values if complete or not has_missing(values) else [value for value in values if value is not None]
    if not present:
        return None
    if aggregation == SUM:
        return sum(present, Decimal(0))
    if aggregation == LAST:
        return present[-1]
    return sum(present, Decimal(0)) / len(present)


def scaled_up(values) -> list:
    """Every value 1% higher (None stays None)."""
    if has_missing(values):
        return [None if value is None else value * ONE_PERCENT_UP for value in values]
    return list(map(operator.mul, values, repeat(ONE_PERCENT_UP)))


def running(values, aggregation, complete=False) -> list:
    """The aggregate of every prefix of `values`: result[k] is the value over weeks 0..k."""
    if complete or not has_missing(values):  # the usual case
        if aggregation == LAST:
            return list(values)
        result = running_sum(values)
        if aggregation == SUM:
            return result
        return list(map(operator.truediv, result, range(1, len(result) + 1)))
    result = []
    append = result.append
    current = None
    if aggregation == LAST:
        for value in values:
            if value is not None:
                current = value
            append(current)
        return result
    total = Decimal(0)
    count = 0
    for value in values:
        if value is not None:
            total += value
            count += 1
            current = total if aggregation == SUM else total / count
        append(current)
    return result


def running_continued(known, values, aggregation, complete=False) -> list:
    """running(values, aggregation), given `known` = running(values[:len(known)], aggregation).

    Where that is simple (sums and last values, none missing) the known items are reused and the rest
    continues from the last one, with the same operations as running(); else it runs from the start.
    """
    if not known or aggregation not in (SUM, LAST) or not (complete or not has_missing(values)):
        return running(values, aggregation, complete)
    rest = values[len(known) :]
    if aggregation == LAST:
        return known + rest
    continued = list(accumulate(rest, operator.add, initial=known[-1]))
    continued[0:1] = known
    return continued
