"""Formulas of formula nodes: the grammar, a small safe parser, and errors that say where and what.

Grammar (docs/numbers.md "Formulas"), and nothing else::

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
from 1, as people do ("position 8" is ``text[7]``). Every message is translated (Japanese in
locale/fragments/formulas.po).

Evaluation is in :mod:`goals.formulas.evaluate`, back-calculation (逆算) in :mod:`goals.formulas.solve`.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from goals.bounds import MAX_SIGNIFICANT_DIGITS
from goals.formulas.evaluate import evaluate, evaluate_series, fold, identity

MAX_LENGTH = 500
MAX_DEPTH = 50
MAX_DIGITS = MAX_SIGNIFICANT_DIGITS  # as for typed values (docs/numbers.md "Bounds")

_CODE_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?\Z")
_WHITESPACE = frozenset(" \t\r\n\u3000")
_DIGITS = frozenset("0123456789")
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")
_NUMBER_RUN = _WORD | {"."}
_OPERATORS = "+-*/"
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3}


# Errors


class FormulaError(ValueError):
    """The text is not a formula this node can use; ``message`` says which part and what is allowed."""

    def __init__(self, message, fragment="", position=None):
        super().__init__(message)
        self.message = message
        self.fragment = fragment
        self.position = position


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


class Formula:
    """A parsed formula. Build it with :func:`parse` or :func:`check`.

    ``program`` is the compiled postfix program that :mod:`goals.formulas.evaluate` runs; ``references``
    the codes it uses in order of first appearance; ``divides`` whether it has a ``/``.
    """

    __slots__ = ("_index", "_positions", "divides", "program", "references", "text")

    def __init__(self, text, program, positions):
        self.text = text
        self.program = program
        self._positions = positions  # code -> index of its first appearance
        self.references = tuple(positions)
        self._index = {code: i for i, code in enumerate(self.references)}
        self.divides = any(op == "/" for op, _argument in program)

    def __repr__(self):
        return f"<Formula {self.text!r}>"

    def __str__(self):
        return self.text

    def __eq__(self, other):
        return isinstance(other, Formula) and self.program == other.program

    def __hash__(self):
        return hash(self.program)

    def position(self, code: str) -> int:
        """The 0-based index in the text where ``code`` first appears."""
        return self._positions[code]

    def evaluate(self, values: Mapping[str, Decimal | None]) -> Decimal:
        """The formula's value; MissingInput when a referenced value is None or absent, DivisionByZero on /0."""
        return evaluate(self.program, self.references, values)

    def evaluate_series(self, series: Sequence[Sequence[Decimal]], length: int) -> list[Decimal] | None:
        """The formula at each of `length` positions, where series[i][k] is the value of references[i] at position k.

        See :func:`goals.formulas.evaluate.evaluate_series`: None when some position would raise instead.
        """
        return evaluate_series(self.program, self._index, series, length)

    def is_additive(self) -> bool:
        """Whether the formula of summed inputs equals the sum of the formula's weekly values.

        True for sums and differences of codes, also scaled by constants (``a + b - c``, ``-a``, ``2 * a``,
        ``(a + b) / 2``); false for products and ratios of codes and for a constant term (``a + 10`` over
        13 weeks adds 130, not 10), where only ``recompute`` is exact.
        """
        return fold(self.program, _const, _linear, identity, _combine_kinds) == "linear"


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
            position = formula.position(code)
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
