"""Running a compiled formula: exact Decimal evaluation, one set of values or whole series at once.

A formula is compiled by :mod:`goals.formulas.parser` to a postfix *program*: a tuple of ``(op, argument)``
pairs where ``op`` is ``"num"`` (argument: a Decimal), ``"ref"`` (argument: a code), ``"neg"`` or one of
``+ - * /`` (argument: None). Everything here is a loop over such a program, so nothing recurses.

Numbers are Decimal only (never float), computed in a private context of ``PRECISION`` significant
digits, rounding half even; a result is never a negative zero. The rules in words are in docs/numbers.md.
"""

import decimal
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from itertools import repeat

from django.utils.translation import gettext as _

PRECISION = 34


def new_context():
    """A private Decimal context: the global one is never read or changed."""
    return decimal.Context(
        prec=PRECISION,
        rounding=decimal.ROUND_HALF_EVEN,
        traps=[decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero],
    )


# One context for every evaluation: its methods take nothing from the thread and the result of an operation does
# not depend on its flags (which are never read), so sharing it gives the same numbers as a fresh one per call.
_CONTEXT = new_context()


class EvaluationError(Exception):
    """A formula has no value for these inputs; ``message`` is the translated reason."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class MissingInput(EvaluationError):
    def __init__(self, code):
        super().__init__(_("“%(code)s” has no value.") % {"code": code})
        self.code = code


class DivisionByZero(EvaluationError):
    def __init__(self):
        super().__init__(_("division by zero"))


def fold(program, number: Callable, code: Callable, negate: Callable, combine: Callable):
    """Run a postfix program with the given meaning of its leaves and operations."""
    stack = []
    for op, argument in program:
        if op == "num":
            stack.append(number(argument))
        elif op == "ref":
            stack.append(code(argument))
        elif op == "neg":
            stack.append(negate(stack.pop()))
        else:
            right = stack.pop()
            stack.append(combine(op, stack.pop(), right))
    return stack[0]


def identity(value):
    return value


def as_decimal(value) -> Decimal:
    """A formula input as a finite Decimal (ints are accepted); TypeError or ValueError otherwise."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"formula inputs must be finite, not {value}")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"formula inputs must be Decimal, not {type(value).__name__}")


def without_negative_zero(value: Decimal) -> Decimal:
    return value.copy_abs() if value.is_zero() else value


def _combine_values(op, left, right):
    if op == "+":
        return _CONTEXT.add(left, right)
    if op == "-":
        return _CONTEXT.subtract(left, right)
    if op == "*":
        return _CONTEXT.multiply(left, right)
    if right.is_zero():
        raise DivisionByZero()
    return _CONTEXT.divide(left, right)


_SERIES_OPERATIONS = {
    "+": _CONTEXT.add,
    "-": _CONTEXT.subtract,
    "*": _CONTEXT.multiply,
    "/": _CONTEXT.divide,
}


def compute(program, inputs: Mapping[str, Decimal]) -> Decimal:
    """The program's value for ``inputs`` (every code present, finite Decimals), possibly a negative zero.

    DivisionByZero on /0, EvaluationError when the result is too large.
    """
    try:
        return fold(program, identity, inputs.__getitem__, _CONTEXT.minus, _combine_values)
    except decimal.Overflow:
        raise EvaluationError(_("The result is too large to compute.")) from None


def evaluate(program, references: Sequence[str], values: Mapping[str, Decimal | None]) -> Decimal:
    """The value for ``values``; MissingInput when a referenced value is None or absent, DivisionByZero on /0."""
    inputs = {}
    for code in references:
        value = values.get(code)
        if value is None:
            raise MissingInput(code)
        inputs[code] = as_decimal(value)
    return without_negative_zero(compute(program, inputs))


def evaluate_series(
    program, index: Mapping[str, int], series: Sequence[Sequence[Decimal]], length: int
) -> list[Decimal] | None:
    """The program at each of `length` positions, where series[index[code]][k] is the value of code at position k.

    Every value must be a finite Decimal, never None (the caller checks). The result is exactly what
    `evaluate` gives position by position, computed one operation at a time over whole series (many
    times faster); None when some position would raise instead (a zero divisor, a result too large):
    the caller then evaluates position by position to learn which and why.
    """
    if not length:
        return []
    context = _CONTEXT
    stack = []  # (is_constant, value or list of values)
    try:
        for op, argument in program:
            if op == "num":
                stack.append((True, argument))
            elif op == "ref":
                stack.append((False, series[index[argument]]))
            elif op == "neg":
                constant, value = stack.pop()
                negated = context.minus(value) if constant else list(map(context.minus, value))
                stack.append((constant, negated))
            else:
                right_constant, right = stack.pop()
                left_constant, left = stack.pop()
                if op == "/" and not (right if right_constant else all(right)):
                    return None
                operation = _SERIES_OPERATIONS[op]
                if left_constant and right_constant:
                    stack.append((True, operation(left, right)))
                else:
                    left = repeat(left) if left_constant else left
                    right = repeat(right) if right_constant else right
                    stack.append((False, list(map(operation, left, right))))
    except ArithmeticError:
        return None
    constant, result = stack[0]
    result = [result] * length if constant else list(result)
    if not all(result):  # a zero somewhere: never a negative one, as in evaluate
        result = [without_negative_zero(value) for value in result]
    return result
