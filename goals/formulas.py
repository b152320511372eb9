"""Formulas of formula nodes: a small safe parser, Decimal evaluation and back-calculation (逆算).

Grammar (DESIGN.md "Formulas"), and nothing else::

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := "-"* primary
    primary    := number | code | "(" expression ")"
    number     := [0-9]+ ("." [0-9]+)?
    code       := [a-z][a-z0-9_]*

Whitespace (space, tab, newlines and the full-width space U+3000 that Japanese keyboards type) is ignored.
The text is never handed to ``eval`` or to any Python parser: a hand-written tokenizer feeds an iterative
operator-precedence (shunting-yard) parser that compiles the formula to a postfix program, and every
operation on a formula (evaluation, classification, solving) is a loop over that program. Nothing recurses,
so no input can raise ``RecursionError``. Hostile input is refused early and cheaply: more than
``MAX_LENGTH`` characters before anything is read, parentheses deeper than ``MAX_DEPTH`` while reading,
numbers with more than ``MAX_DIGITS`` digits, and the token count is bounded by the length.

Positions: ``FormulaError.position`` is the 0-based index into the text; the message counts characters
from 1, as people do ("position 8" is ``text[7]``).
"""

import decimal
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import repeat
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

MAX_LENGTH = 500
MAX_DEPTH = 50
MAX_DIGITS = 15  # as for typed values (DESIGN.md "Input that people type")
PRECISION = 34
PLACES = Decimal("0.000001")

_CODE_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?\Z")
_WHITESPACE = frozenset(" \t\r\n\u3000")
_DIGITS = frozenset("0123456789")
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")
_NUMBER_RUN = _WORD | {"."}
_OPERATORS = "+-*/"
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3}


def _context():
    """A private Decimal context: the global one is never read or changed."""
    return decimal.Context(
        prec=PRECISION,
        rounding=decimal.ROUND_HALF_EVEN,
        traps=[decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero],
    )


# One context for every evaluation: its methods take nothing from the thread and the result of an operation does
# not depend on its flags (which are never read), so sharing it gives the same numbers as a fresh one per call.
_EVALUATION_CONTEXT = _context()


# Errors


class FormulaError(ValueError):
    """The text is not a formula this node can use; ``message`` says which part and what is allowed."""

    def __init__(self, message, fragment="", position=None):
        super().__init__(message)
        self.message = message
        self.fragment = fragment
        self.position = position


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


class NoSolution(ValueError):
    """Back-calculation found no value; ``message`` says why."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        self.code = code


# Tokenizer


class _Token(NamedTuple):
    kind: str  # "num", "ref", "op", "(", ")"
    text: str
    position: int


def _error(message, fragment, position, **values):
    values.update(fragment=fragment, position=position + 1)
    return FormulaError(message % values, fragment, position)


def _run(text, start, belongs):
    end = start
    while end < len(text) and belongs(text[end]):
        end += 1
    return text[start:end]


def _is_foreign_letter(char):
    return not char.isascii() and char.isalnum()


def _tokenize(text):
    tokens = []
    depth = 0
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char in _WHITESPACE:
            i += 1
        elif char in _DIGITS or (char == "." and i + 1 < n and text[i + 1] in _DIGITS):
            run = _run(text, i, _NUMBER_RUN.__contains__)
            if not _NUMBER_RE.match(run):
                raise _error(
                    _(
                        "“%(fragment)s” at position %(position)s is not a number. "
                        "Write numbers with digits and at most one full stop, such as 12 or 0.5."
                    ),
                    run,
                    i,
                )
            if len(run.replace(".", "").lstrip("0")) > MAX_DIGITS:
                message = _(
                    "“%(fragment)s” at position %(position)s has more than %(limit)s digits. Use a shorter number."
                )
                raise _error(message, run, i, limit=MAX_DIGITS)
            tokens.append(_Token("num", run, i))
            i += len(run)
        elif char in _WORD:
            run = _run(text, i, _WORD.__contains__)
            if not _CODE_RE.match(run):
                raise _error(
                    _(
                        "“%(fragment)s” at position %(position)s is not a code. "
                        "Codes use lower-case letters, digits and _, and start with a letter."
                    ),
                    run,
                    i,
                )
            tokens.append(_Token("ref", run, i))
            i += len(run)
        elif char == "*" and text[i + 1 : i + 2] == "*":
            raise _error(
                _(
                    "“%(fragment)s” at position %(position)s cannot be used in a formula. "
                    "Powers are not supported: multiply instead, such as a * a."
                ),
                "**",
                i,
            )
        elif char in _OPERATORS:
            tokens.append(_Token("op", char, i))
            i += 1
        elif char == "(":
            depth += 1
            if depth > MAX_DEPTH:
                message = _(
                    "The parentheses at position %(position)s are nested more than %(limit)s levels deep. "
                    "Simplify the formula."
                )
                raise _error(message, char, i, limit=MAX_DEPTH)
            tokens.append(_Token("(", char, i))
            i += 1
        elif char == ")":
            depth -= 1
            tokens.append(_Token(")", char, i))
            i += 1
        else:
            # Show a whole run of letters typed in another script (売上, ＡＢＣ), not just its first character.
            fragment = _run(text, i, _is_foreign_letter) if _is_foreign_letter(char) else char
            raise _error(
                _(
                    "“%(fragment)s” at position %(position)s cannot be used in a formula. "
                    "Use numbers, the codes of direct children, + - * / and parentheses."
                ),
                fragment,
                i,
            )
    return tokens


# Parser


def _parse_tokens(text, tokens):
    """Shunting-yard over the tokens, checking at each step that the token may come there."""
    output = []
    stack = []  # ("(", token) | ("neg", token) | (operator, token)
    expect_operand = True
    previous = None
    for token in tokens:
        if expect_operand:
            if token.kind in ("num", "ref"):
                output.append(("num", Decimal(token.text)) if token.kind == "num" else ("ref", token.text))
                expect_operand = False
            elif token.kind == "op" and token.text == "-":
                stack.append(("neg", token))
            elif token.kind == "(":
                stack.append(("(", token))
            elif token.kind == ")" and previous is not None and previous.kind == "(":
                raise _error(
                    _("The parentheses at position %(position)s are empty. Put a number or a code inside them."),
                    "()",
                    previous.position,
                )
            else:
                raise _error(
                    _("A number, a code or “(” is needed at position %(position)s, not “%(fragment)s”."),
                    token.text,
                    token.position,
                )
        elif token.kind == "op":
            precedence = _PRECEDENCE[token.text]
            while stack and stack[-1][0] != "(" and _PRECEDENCE[stack[-1][0]] >= precedence:
                output.append((stack.pop()[0], None))
            stack.append((token.text, token))
            expect_operand = True
        elif token.kind == ")":
            while stack and stack[-1][0] != "(":
                output.append((stack.pop()[0], None))
            if not stack:
                raise _error(
                    _("“%(fragment)s” at position %(position)s has no matching “(”. Remove it or add “(” before it."),
                    ")",
                    token.position,
                )
            stack.pop()
        elif token.kind == "(" and previous.kind == "ref":
            raise _error(
                _(
                    "“%(fragment)s” at position %(position)s looks like a function call. "
                    "Formulas cannot call functions: use + - * / and parentheses."
                ),
                text[previous.position : token.position + 1],
                previous.position,
            )
        else:
            message = _(
                "An operator is missing between “%(before)s” and “%(fragment)s” at position %(position)s. "
                "Use + - * / between them."
            )
            raise _error(message, token.text, token.position, before=previous.text)
        previous = token

    if previous is None:
        raise FormulaError(
            _("The formula is empty. Write it with numbers, the codes of direct children, + - * / and parentheses.")
        )
    if expect_operand:
        raise _error(
            _("The formula ends with “%(fragment)s”. Add a number or a code after it."),
            previous.text,
            previous.position,
        )
    while stack:
        kind, token = stack.pop()
        if kind == "(":
            raise _error(
                _("“%(fragment)s” at position %(position)s is never closed. Add “)” where it should end."),
                "(",
                token.position,
            )
        output.append((kind, None))
    return tuple(output)


def _fold(program, number, code, negate, combine):
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


def _as_decimal(value):
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"formula inputs must be finite, not {value}")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"formula inputs must be Decimal, not {type(value).__name__}")


def _without_negative_zero(value):
    return value.copy_abs() if value.is_zero() else value


class Formula:
    """A parsed formula. Build it with :func:`parse` or :func:`check`."""

    __slots__ = ("_index", "_positions", "_program", "divides", "references", "text")

    def __init__(self, text, program, positions):
        self.text = text
        self._program = program
        self._positions = positions  # code -> index of its first appearance
        self.references = tuple(positions)
        self._index = {code: i for i, code in enumerate(self.references)}
        self.divides = any(op == "/" for op, _argument in program)

    def __repr__(self):
        return f"<Formula {self.text!r}>"

    def __str__(self):
        return self.text

    def __eq__(self, other):
        return isinstance(other, Formula) and self._program == other._program

    def __hash__(self):
        return hash(self._program)

    def evaluate(self, values: Mapping[str, Decimal | None]) -> Decimal:
        """The formula's value; MissingInput when a referenced value is None or absent, DivisionByZero on /0."""
        inputs = {}
        for code in self.references:
            value = values.get(code)
            if value is None:
                raise MissingInput(code)
            inputs[code] = _as_decimal(value)
        return _without_negative_zero(self._compute(inputs))

    def _compute(self, inputs):
        try:
            return _fold(self._program, _identity, inputs.__getitem__, _EVALUATION_CONTEXT.minus, _combine_values)
        except decimal.Overflow:
            raise EvaluationError(_("The result is too large to compute.")) from None

    def evaluate_series(self, series: Sequence[Sequence[Decimal]], length: int) -> list[Decimal] | None:
        """The formula at each of `length` positions, where series[i][k] is the value of references[i] at position k.

        Every value must be a finite Decimal, never None (the caller checks). The result is exactly what
        `evaluate` gives position by position, computed one operation at a time over whole series (many
        times faster); None when some position would raise instead (a zero divisor, a result too large):
        the caller then evaluates position by position to learn which and why.
        """
        if not length:
            return []
        context = _EVALUATION_CONTEXT
        stack = []  # (is_constant, value or list of values)
        try:
            for op, argument in self._program:
                if op == "num":
                    stack.append((True, argument))
                elif op == "ref":
                    stack.append((False, series[self._index[argument]]))
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
            result = [_without_negative_zero(value) for value in result]
        return result

    def is_additive(self) -> bool:
        """Whether the formula of summed inputs equals the sum of the formula's weekly values.

        True for sums and differences of codes, also scaled by constants (``a + b - c``, ``-a``, ``2 * a``,
        ``(a + b) / 2``); false for products and ratios of codes and for a constant term (``a + 10`` over
        13 weeks adds 130, not 10), where only ``recompute`` is exact.
        """
        return _fold(self._program, _const, _linear, _identity, _combine_kinds) == "linear"


def _identity(value):
    return value


_SERIES_OPERATIONS = {
    "+": _EVALUATION_CONTEXT.add,
    "-": _EVALUATION_CONTEXT.subtract,
    "*": _EVALUATION_CONTEXT.multiply,
    "/": _EVALUATION_CONTEXT.divide,
}


def _combine_values(op, left, right):
    if op == "+":
        return _EVALUATION_CONTEXT.add(left, right)
    if op == "-":
        return _EVALUATION_CONTEXT.subtract(left, right)
    if op == "*":
        return _EVALUATION_CONTEXT.multiply(left, right)
    if right.is_zero():
        raise DivisionByZero()
    return _EVALUATION_CONTEXT.divide(left, right)


def _const(_number):
    return "const"


def _linear(_code):
    return "linear"


def _combine_kinds(op, left, right):
    if "other" in (left, right):
        return "other"
    if op in "+-":
        return left if left == right else "other"
    if op == "*":
        return "const" if left == right == "const" else ("linear" if "const" in (left, right) else "other")
    return left if right == "const" else "other"


def parse(text: str) -> Formula:
    """Check the syntax of ``text`` and compile it; FormulaError says what is wrong."""
    if not isinstance(text, str):
        raise TypeError(f"a formula is a str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        message = _("The formula is %(length)s characters long. It can be at most %(limit)s characters.")
        raise FormulaError(message % {"length": len(text), "limit": MAX_LENGTH})
    tokens = _tokenize(text)
    program = _parse_tokens(text, tokens)
    positions = {}
    for token in tokens:
        if token.kind == "ref":
            positions.setdefault(token.text, token.position)
    return Formula(text, program, positions)


def _child_list(codes):
    item = pgettext("formula child list item", "%(code)s")
    separator = pgettext("formula child list separator", ", ")
    return separator.join(item % {"code": code} for code in codes)


def check(text: str, children: Mapping[str, str], parent_name: str) -> Formula:
    """Parse ``text`` as the formula of node ``parent_name`` whose active direct children are ``children``.

    ``children`` maps code -> name. Only direct children may be referenced, which also rules out cycles:
    the node itself, its ancestors and its grandchildren are all "not a child".
    """
    formula = parse(text)
    for code in formula.references:
        if code not in children:
            position = formula._positions[code]
            values = {"code": code, "parent": parent_name, "position": position + 1}
            if children:
                message = _("“%(code)s” is not a child of %(parent)s. Its children are: %(children)s.")
                values["children"] = _child_list(children)
            else:
                message = _(
                    "“%(code)s” is not a child of %(parent)s. "
                    "%(parent)s has no children yet: add child nodes first, then use their codes."
                )
            raise FormulaError(message % values, code, position)
    return formula


def unused_children(formula: Formula, children: Iterable[str]) -> list[str]:
    """The children codes the formula does not reference, in the order given."""
    used = set(formula.references)
    return [code for code in children if code not in used]


# Back-calculation (逆算)


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

    return _fold(
        formula._program,
        lambda number: (_poly(number), one),
        leaf,
        lambda pq: (_poly_neg(context, pq[0]), pq[1]),
        combine,
    )


def _quantize(value):
    context = decimal.Context(prec=max(PRECISION, value.adjusted() + 8), rounding=decimal.ROUND_HALF_UP)
    return _without_negative_zero(value.quantize(PLACES, context=context))


def _format_target(target):
    return format(target.normalize(_context()), ",f")


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
    negative root closest to zero. The result is rounded half up to 6 decimal places, like weekly targets.

    NoSolution when the formula does not use ``code``, when no value gives the target (``a * 0`` for a
    non-zero target, ``a / a`` for a target other than 1), when every value does (``a / a`` for 1: there is
    nothing to propose), or when the numeric search finds no root.
    """
    target = _as_decimal(target)
    if code not in formula.references:
        message = _("The formula does not use “%(code)s”, so changing it cannot change the result.")
        raise NoSolution(message % {"code": code}, code)
    inputs = {}
    for name in formula.references:
        if name != code:
            value = values.get(name)
            if value is None:
                raise MissingInput(name)
            inputs[name] = _as_decimal(value)
    current = values.get(code)
    current = _as_decimal(current) if current is not None else None

    context = _context()
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
            formula._compute({**inputs, code: x})
        except DivisionByZero:
            # The only candidate is a pole, as for x / x = 2.
            raise _no_value(code, target) from None
        except EvaluationError:
            pass
        else:
            return Solution(_quantize(x), exact=True)

    root = _solve_numerically(formula, code, target, inputs, current)
    if root is None:
        message = _(
            "No value of “%(code)s” that makes the formula give %(target)s was found by searching numerically. "
            "Check the other targets or set this one by hand."
        )
        raise NoSolution(message % {"code": code, "target": _format_target(target)}, code)
    return Solution(_quantize(root), exact=False)


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
    context = _context()

    def gap(x) -> Decimal | None:
        try:
            return context.subtract(formula._compute({**inputs, code: x}), target)
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
