"""Formulas of formula nodes: parse and check (parser), evaluate (evaluate), back-calculate (solve, 逆算).

The names below are the public ones; callers write ``from goals import formulas; formulas.parse(...)`` or
``from goals.formulas import check``. Note that ``formulas.solve`` is the function :func:`solve`; the
module is ``goals.formulas.solve`` (import names from it with ``from goals.formulas.solve import ...``).
The rules in words are in docs/numbers.md "Formulas" and "Back-calculation".
"""

from goals.formulas.evaluate import PRECISION, DivisionByZero, EvaluationError, MissingInput
from goals.formulas.parser import (
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_LENGTH,
    Formula,
    FormulaError,
    check,
    parse,
    unused_children,
)
from goals.formulas.solve import PLACES, NoSolution, Solution, solve, solve_for, solve_is_exact

__all__ = [
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_LENGTH",
    "PLACES",
    "PRECISION",
    "DivisionByZero",
    "EvaluationError",
    "Formula",
    "FormulaError",
    "MissingInput",
    "NoSolution",
    "Solution",
    "check",
    "parse",
    "solve",
    "solve_for",
    "solve_is_exact",
    "unused_children",
]
