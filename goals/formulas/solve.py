"""Back-calculation (逆算): the value of one input that makes a formula give a target.

:func:`solve` tries the closed form first (the formula as (a x + b) / (c x + d) in the unknown) and searches
numerically otherwise; its docstring gives the method. The rules in words are in docs/numbers.md
"Back-calculation".
"""

import decimal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from goals.bounds import storable
from goals.formulas.evaluate import (
    PRECISION,
    DivisionByZero,
    EvaluationError,
    MissingInput,
    as_decimal,
    compute,
    fold,
    new_context,
    without_negative_zero,
)
from goals.formulas.parser import Formula

PLACES = Decimal("0.000001")


class NoSolution(ValueError):
    """Back-calculation found no value; ``message`` says why."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Solution:
    """A back-calculated value; ``exact`` is True when solved in closed form, False when found numerically."""

    value: Decimal
    exact: bool


class _NotMobius(Exception):
    """The formula is not (a x + b) / (c x + d) in the unknown: solve numerically."""


class _Undefined(Exception):
    """The formula divides by zero whatever the unknown is."""


def _poly(*coefficients):
    coefficients = list(coefficients)
    while coefficients and coefficients[-1].is_zero():
        coefficients.pop()
    if len(coefficients) > 2:
        raise _NotMobius
    return tuple(coefficients)


def _poly_add(context, a, b):
    size = max(len(a), len(b))
    a = a + (Decimal(0),) * (size - len(a))
    b = b + (Decimal(0),) * (size - len(b))
    return _poly(*(context.add(x, y) for x, y in zip(a, b, strict=True)))


def _poly_neg(context, a):
    return tuple(context.minus(x) for x in a)


def _poly_mul(context, a, b):
    if not a or not b:
        return ()
    if len(a) + len(b) - 1 > 2:
        raise _NotMobius
    result = [Decimal(0)] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            result[i + j] = context.add(result[i + j], context.multiply(x, y))
    return _poly(*result)


def _mobius(formula, code, inputs, context):
    """The formula as polynomials (P, Q) of degree at most 1 in ``code``, f = P / Q; coefficients low first."""
    one = (Decimal(1),)

    def combine(op, left, right):
        (p1, q1), (p2, q2) = left, right
        if op in "+-":
            if op == "-":
                p2 = _poly_neg(context, p2)
            if q1 == q2:
                return _poly_add(context, p1, p2), q1
            numerator = _poly_add(context, _poly_mul(context, p1, q2), _poly_mul(context, p2, q1))
            return numerator, _poly_mul(context, q1, q2)
        if op == "*":
            return _poly_mul(context, p1, p2), _poly_mul(context, q1, q2)
        if not p2:
            raise _Undefined
        return _poly_mul(context, p1, q2), _poly_mul(context, q1, p2)

    def leaf(name):
        return ((Decimal(0), Decimal(1)), one) if name == code else (_poly(inputs[name]), one)

    return fold(
        formula.program,
        lambda number: (_poly(number), one),
        leaf,
        lambda pq: (_poly_neg(context, pq[0]), pq[1]),
        combine,
    )


def _quantize(value):
    context = decimal.Context(prec=max(PRECISION, value.adjusted() + 8), rounding=decimal.ROUND_HALF_UP)
    return without_negative_zero(value.quantize(PLACES, context=context))


def _proposal(value, code, target, exact):
    """The Solution for `value` as a target is kept (docs/numbers.md "Bounds": at most 6 decimal places and 15
    significant digits); NoSolution when it is 10^15 or more, which no target can be."""
    kept = storable(_quantize(value))
    if kept is None:
        message = _(
            "The value of “%(code)s” that makes the formula give %(target)s has more than 15 digits, more than a "
            "target can have. Check the other targets."
        )
        raise NoSolution(message % {"code": code, "target": _format_target(target)}, code)
    return Solution(kept, exact=exact)


def _format_target(target):
    return format(target.normalize(new_context()), ",f")


def _no_value(code, target):
    message = _("No value of “%(code)s” makes the formula give %(target)s while the other values stay as they are.")
    return NoSolution(message % {"code": code, "target": _format_target(target)}, code)


def solve(formula: Formula, code: str, target: Decimal, values: Mapping[str, Decimal | None]) -> Solution:
    """The value of ``code`` that makes the formula give ``target``, the other referenced values held fixed.

    ``values`` holds the other children's values (targets); a value for ``code`` itself is ignored except
    to choose between several numeric solutions (the one closest to it wins). A missing other value raises
    MissingInput.

    Closed form: the formula is turned into (p1 x + p0) / (q1 x + q0) in the unknown x, with the other values
    substituted; sums, differences, products with x once, and ratios with x in the numerator, the
    denominator or both (``deals / (deals + lost)``) all have this form, and x = (t q0 - p0) / (p1 - t q1).
    Any other shape (``a * a``, ``a * (a + b)``) is solved numerically: the function is sampled at 0, at the
    current value and at ±s·2^k (s in 1, 1.25, 1.5, 1.75; k from -20 to 100, so about 1e-6 to 4e30); each
    sign change is narrowed by bisection (at most 200 steps) and discarded when it is a pole; only when
    there is none, dips of |f - target| are searched for a root that touches zero. Of the roots found the
    one closest to the current value wins, or without one the smallest non-negative root, else the
    negative root closest to zero. The result is rounded half up to 6 decimal places, like weekly targets, and to
    15 significant digits, like every target (docs/numbers.md "Bounds").

    NoSolution when the formula does not use ``code``, when no value gives the target (``a * 0`` for a
    non-zero target, ``a / a`` for a target other than 1), when every value does (``a / a`` for 1: there is
    nothing to propose), when the numeric search finds no root, or when the value would be 10^15 or more.
    """
    target = as_decimal(target)
    if code not in formula.references:
        message = _("The formula does not use “%(code)s”, so changing it cannot change the result.")
        raise NoSolution(message % {"code": code}, code)
    inputs = {}
    for name in formula.references:
        if name != code:
            value = values.get(name)
            if value is None:
                raise MissingInput(name)
            inputs[name] = as_decimal(value)
    current = values.get(code)
    current = as_decimal(current) if current is not None else None

    context = new_context()
    try:
        numerator, denominator = _mobius(formula, code, inputs, context)
    except _Undefined:
        raise _no_value(code, target) from None
    except (_NotMobius, decimal.Overflow):
        pass
    else:
        p0, p1 = (numerator + (Decimal(0), Decimal(0)))[:2]
        q0, q1 = (denominator + (Decimal(0), Decimal(0)))[:2]
        try:
            slope = context.subtract(p1, context.multiply(target, q1))
            offset = context.subtract(context.multiply(target, q0), p0)
        except decimal.Overflow:
            raise _no_value(code, target) from None
        if slope.is_zero():
            if offset.is_zero():
                message = _(
                    "Every value of “%(code)s” makes the formula give %(target)s, "
                    "so there is no single value to propose."
                )
                raise NoSolution(message % {"code": code, "target": _format_target(target)}, code)
            raise _no_value(code, target)
        x = context.divide(offset, slope)
        try:
            compute(formula.program, {**inputs, code: x})
        except DivisionByZero:
            # The only candidate is a pole, as for x / x = 2.
            raise _no_value(code, target) from None
        except EvaluationError:
            pass
        else:
            return _proposal(x, code, target, exact=True)

    root = _solve_numerically(formula, code, target, inputs, current)
    if root is None:
        message = _(
            "No value of “%(code)s” that makes the formula give %(target)s was found by searching numerically. "
            "Check the other targets or set this one by hand."
        )
        raise NoSolution(message % {"code": code, "target": _format_target(target)}, code)
    return _proposal(root, code, target, exact=False)


def solve_for(formula: Formula, code: str, target: Decimal, values: Mapping[str, Decimal | None]) -> Decimal:
    """The back-calculated value of ``code``; see :func:`solve`, which also says whether it is exact."""
    return solve(formula, code, target, values).value


def solve_is_exact(formula: Formula, code: str, target: Decimal, values: Mapping[str, Decimal | None]) -> bool:
    """Whether :func:`solve` finds this value in closed form (True) or numerically (False)."""
    return solve(formula, code, target, values).exact


_MAX_STEPS = 200
_MAX_SEARCHES = 8
_WIDTH = Decimal("1e-12")
_STEPS = (Decimal("1"), Decimal("1.25"), Decimal("1.5"), Decimal("1.75"))


def _sample_points(context, current):
    """0 and ±s·2^k for s in 1, 1.25, 1.5, 1.75 and k from -20 to 100 (about 1e-6 to 4e30), plus ``current``."""
    magnitudes = [context.multiply(step, context.power(Decimal(2), k)) for k in range(-20, 101) for step in _STEPS]
    points = {Decimal(0), *magnitudes, *(context.minus(m) for m in magnitudes)}
    if current is not None:
        points.add(current)
    return sorted(points)


def _solve_numerically(formula, code, target, inputs, current):
    context = new_context()

    def gap(x) -> Decimal | None:
        try:
            return context.subtract(compute(formula.program, {**inputs, code: x}), target)
        except (EvaluationError, decimal.Overflow):
            return None

    samples = [(x, gap(x)) for x in _sample_points(context, current)]
    roots = [x for x, g in samples if g is not None and g.is_zero()]
    # Where the gap changes sign there is a root or a pole; where |gap| dips without a sign change there may
    # be a root that touches zero, such as (a - 3) * (a - 3) = 0.
    usable = [(x, g) for x, g in samples if g is not None and not g.is_zero()]
    crossings = [
        (x0, g0, x1, g1)
        for (x0, g0), (x1, g1) in zip(usable, usable[1:], strict=False)
        if g0.is_signed() != g1.is_signed()
    ]
    dips = [
        (x0, x2)
        for (x0, g0), (_x1, g1), (x2, g2) in zip(usable, usable[1:], usable[2:], strict=False)
        if g0.is_signed() == g1.is_signed() == g2.is_signed() and abs(g1) < min(abs(g0), abs(g2))
    ]
    reference = current if current is not None else Decimal(0)

    def distance(search):
        return abs(context.subtract(search[0], reference))

    tolerance = max(Decimal(1), abs(target)) * Decimal("1e-9")
    for lo, g_lo, hi, g_hi in sorted(crossings, key=distance)[:_MAX_SEARCHES]:
        root = _bisect(context, gap, lo, g_lo, hi, g_hi, tolerance)
        if root is not None:
            roots.append(root)
    if not roots:
        for lo, hi in sorted(dips, key=distance)[:_MAX_SEARCHES]:
            root = _lowest(context, gap, lo, hi, tolerance)
            if root is not None:
                roots.append(root)
    if not roots:
        return None
    if current is not None:
        return min(roots, key=lambda x: (abs(context.subtract(x, current)), -x))
    return min(roots, key=lambda x: (x.is_signed(), abs(x)))


def _bisect(context, gap: Callable[[Decimal], Decimal | None], lo, g_lo, hi, g_hi, tolerance):
    """Narrow a sign change to a root; None when it is a pole (|gap| grows instead of shrinking)."""
    start = min(abs(g_lo), abs(g_hi))
    mid, g_mid = lo, g_lo
    for _step in range(_MAX_STEPS):
        mid = context.multiply(context.add(lo, hi), Decimal("0.5"))
        g_mid = gap(mid)
        if g_mid is None:
            return None
        if g_mid.is_zero() or mid in (lo, hi) or context.subtract(hi, lo) <= _WIDTH:
            break
        if g_mid.is_signed() == g_lo.is_signed():
            lo, g_lo = mid, g_mid
        else:
            hi = mid
    if abs(g_mid) <= tolerance or abs(g_mid) <= start * Decimal("1e-9"):
        return mid
    return None


def _lowest(context, gap: Callable[[Decimal], Decimal | None], lo, hi, tolerance):
    """Ternary search for the smallest |gap| in [lo, hi]; the point when it reaches zero, else None."""
    third = Decimal(1) / Decimal(3)
    for _step in range(_MAX_STEPS):
        width = context.subtract(hi, lo)
        if width <= _WIDTH:
            break
        left = context.add(lo, context.multiply(width, third))
        right = context.subtract(hi, context.multiply(width, third))
        g_left, g_right = gap(left), gap(right)
        if g_left is None or g_right is None:
            return None
        if abs(g_left) <= abs(g_right):
            hi = right
        else:
            lo = left
    mid = context.multiply(context.add(lo, hi), Decimal("0.5"))
    g_mid = gap(mid)
    return mid if g_mid is not None and abs(g_mid) <= tolerance else None
