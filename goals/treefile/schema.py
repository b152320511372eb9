"""The shape of a tree file (docs/files.md "Tree file") as pydantic models: keys, types, lengths, codes,
numbers, dates and choices.

Each value type refuses with an error type of its own (``number_type``, ``control_character``...) or
one of pydantic's; goals/treefile/reading.py turns every one into our message in the user's language
and checks what the shape cannot see (codes used twice, parents, the KGI, weeks, formulas).

Decisions where the format is silent:
- Keys other than those of the format are refused (a misspelt "targt" would otherwise drop a target
  silently).
- Numbers: JSON numbers or decimal strings (`"120000000"`, `"-0.5"`; no grouping, units or exponents),
  with at most 15 significant digits and 6 decimal places, like typed values. `warning_threshold`
  is from 0 to 100. `week_start` is a day name in English, lower case (`monday` ... `sunday`).
- Text is one line, except `definition`, `formula` and `breakdown`, which may hold tabs and line breaks. Control
  characters (NUL and the like) and lone surrogates are refused everywhere: they cannot be stored or shown.
- `weights` have at most MAX_WEIGHTS items, so that a long list is refused before each item is read.
- `breakdown` (a measured node's breakdown over its direct children, in codes) is one line or several, like
  `formula`.
"""

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError

from goals.bounds import MAX_DECIMAL_PLACES, MAX_SIGNIFICANT_DIGITS, MAX_TEXT_LENGTH
from goals.formatting import plain
from goals.models import Node
from goals.treefile.errors import character_name, is_control

WEEK_STARTS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DIRECTIONS = tuple(Node.Direction.values)
AGGREGATIONS = tuple(Node.Aggregation.values)
MAX_NODES = 1000
MAX_WEIGHTS = 1000  # more weeks than any period needs: stops a long list before each item is read
TREE_CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
NODE_CODE_PATTERN = r"^[a-z][a-z0-9_]*$"
DECIMAL_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?\Z")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
LINE_BREAKS = frozenset("\t\n\r")


# Value types: each refuses with an error type that reading.describe translates


def _digits(number):
    """(significant digits, decimal places) of a Decimal, ignoring trailing zeros after the point."""
    sign, digits, exponent = number.as_tuple()
    digits = list(digits)
    while exponent < 0 and len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    places = max(0, -exponent)
    integer = "".join(map(str, digits[: len(digits) + exponent] if exponent < 0 else digits)).lstrip("0")
    significant = len(integer) + places if integer else len("".join(map(str, digits)).lstrip("0"))
    return significant, places


def _number(value) -> Decimal:
    """A Decimal from a JSON number or a decimal string, within the digits that typed values allow."""
    number = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, Decimal):
        number = value if value.is_finite() else None
    elif isinstance(value, str) and DECIMAL_RE.match(value.strip()):
        number = Decimal(value.strip())
    if number is None:
        raise PydanticCustomError("number_type", "not a number")
    digits, places = _digits(number)
    if places > MAX_DECIMAL_PLACES:
        raise PydanticCustomError("number_places", "too many decimal places", {"value": _as_written(number)})
    if digits > MAX_SIGNIFICANT_DIGITS or number.adjusted() >= MAX_SIGNIFICANT_DIGITS:
        raise PydanticCustomError("number_digits", "too many digits", {"value": _as_written(number)})
    return number + 0  # normalises -0 to 0


def _as_written(number: Decimal) -> str:
    """A refused number for its message: without exponent when that is short, else as 1E+999."""
    return plain(number) if -40 < number.adjusted() < 40 else str(number)


def _percentage(number: Decimal) -> Decimal:
    if not Decimal(0) <= number <= Decimal(100):
        raise PydanticCustomError("percentage", "not a percentage")
    return number


def _not_negative(number: Decimal) -> Decimal:
    if number < 0:
        raise PydanticCustomError("negative", "negative", {"value": plain(number)})
    return number


def _iso_date(value) -> date:
    if value is None:
        raise PydanticCustomError("date_required", "a date is required")
    try:
        if not isinstance(value, str) or not DATE_RE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_format", "not a date") from None


def _control_characters(text: str, allowed=frozenset()) -> str:
    for position, char in enumerate(text, start=1):
        if is_control(char) and char not in allowed:
            context = {"character": character_name(char), "position": position}
            raise PydanticCustomError("control_character", "control character", context)
    return text


def _one_line(text: str) -> str:
    return _control_characters(text)


def _lines(text: str) -> str:
    return _control_characters(text, LINE_BREAKS)


def _text(max_length=None, *, min_length=None, pattern=None, lines=False):
    constraints = StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=pattern
    )
    return Annotated[str, constraints, AfterValidator(_lines if lines else _one_line)]


Number = Annotated[Decimal, PlainValidator(_number)]
Percentage = Annotated[Decimal, PlainValidator(_number), AfterValidator(_percentage)]
Weight = Annotated[Decimal, PlainValidator(_number), AfterValidator(_not_negative)]
IsoDate = Annotated[date, PlainValidator(_iso_date)]


# The file's shape. Each has a twin whose every key is optional: after a refusal, the keys that were
# valid are read again through it, so the checks across nodes still run and every problem is listed.

_SHAPE = ConfigDict(extra="forbid", frozen=True)


class PeriodFields(BaseModel):
    model_config = _SHAPE
    start: IsoDate | None = None
    end: IsoDate | None = None


class PeriodShape(PeriodFields):
    start: IsoDate
    end: IsoDate


class TreeFields(BaseModel):
    model_config = _SHAPE
    code: _text(60, min_length=1, pattern=TREE_CODE_PATTERN) | None = None
    name: _text(200, min_length=1) | None = None
    period: PeriodShape | None = None
    week_start: Literal[WEEK_STARTS] | None = None
    warning_threshold: Percentage | None = None
    nodes: Annotated[list[Any], Field(min_length=1, max_length=MAX_NODES)] | None = None


class TreeShape(TreeFields):
    code: _text(60, min_length=1, pattern=TREE_CODE_PATTERN)
    name: _text(200, min_length=1)
    period: PeriodShape
    nodes: Annotated[list[Any], Field(min_length=1, max_length=MAX_NODES)]


class NodeFields(BaseModel):
    model_config = _SHAPE
    code: _text(50, min_length=1, pattern=NODE_CODE_PATTERN) | None = None
    name: _text(200, min_length=1) | None = None
    parent: str | None = None
    unit: _text(30) | None = None
    direction: Literal[DIRECTIONS] | None = None
    aggregation: Literal[AGGREGATIONS] | None = None
    formula: _text(500, lines=True) | None = None
    breakdown: _text(500, lines=True) | None = None
    target: Number | None = None
    stretch: Number | None = None
    baseline: Number | None = None
    department: _text(100) | None = None
    definition: _text(MAX_TEXT_LENGTH, lines=True) | None = None
    weights: Annotated[list[Weight], Field(max_length=MAX_WEIGHTS)] | None = None


class NodeShape(NodeFields):
    code: _text(50, min_length=1, pattern=NODE_CODE_PATTERN)
    name: _text(200, min_length=1)
    parent: str | None  # required, and null for the KGI


TREE_KEYS = tuple(TreeShape.model_fields)
PERIOD_KEYS = tuple(PeriodFields.model_fields)
NODE_KEYS = tuple(NodeShape.model_fields)
CHOICES = {"week_start": WEEK_STARTS, "direction": DIRECTIONS, "aggregation": AGGREGATIONS}


def validate(shape, fields, data):
    """(values, errors): `data` read through `shape`; after a refusal, its valid keys through `fields`.

    values is None when `data` is not an object at all.
    """
    try:
        return shape.model_validate(data), []
    except ValidationError as error:
        errors = error.errors(include_url=False)
    if not isinstance(data, dict):
        return None, errors
    refused = {error["loc"][0] for error in errors if error["loc"]}
    valid = {key: value for key, value in data.items() if key in fields.model_fields and key not in refused}
    return fields.model_validate(valid), errors
