"""Reading a number that a person typed or pasted (docs/numbers.md "Input that people type"), and writing it back.

Accepted, after trimming spaces (full-width U+3000 too): digits, half- or full-width (`1234`, `１２３４`); commas
between groups of three digits (`1,234`, `１，２３４`); one decimal point, `.` or `．`, with digits on both
sides; one leading minus sign, `-`, `−` (U+2212) or `－` (U+FF0D); a yen sign before the number (`¥`, `￥`,
`-¥1,234` or `¥-1,234`) or `円` after it; `%` or `％` after it. A space may separate a sign from the number
(`1,234 円`, `12.5 %`); it may not separate digits (`1 234` is two numbers).

Decisions where the number contract is silent:
- `%` is accepted only for a `%` unit and the number is stored as written (`12.5%` -> 12.5). For any other
  unit, an empty one included, it is refused: `12.5%` could mean 12.5 or 0.125 there, and we do not guess.
  For a `%` unit, `0.125` is stored as 0.125, not 12.5.
- `¥`/`円` are accepted for a yen unit and for an empty unit; for any other unit (件, 万円, ...) they are refused,
  since `1,234円` in a 万円 row would be 10,000 times too large.
- Refused: a leading `+`, exponents (`1e3`), `.5` and `5.`, accounting negatives (`(1,234)`, `△1,234`),
  digits of other scripts, commas not between groups of three (`1,23`, `12,34,567`), more than 15 significant
  digits (what a spreadsheet keeps exactly) and more than 6 decimal places (what is stored). Zeros after the
  decimal point do not count (`1.5000000` is 1.5), and `-0` is 0.
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from goals.bounds import MAX_DECIMAL_PLACES, MAX_SIGNIFICANT_DIGITS
from goals.formatting import YEN_UNITS, plain

PERCENT_UNITS = {"%", "％"}

# Full-width forms typed on Japanese keyboards -> ASCII. Only these; other look-alikes stay and are refused.
_HALF_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "，": ",",
        "．": ".",
        "％": "%",
        "￥": "¥",
        "－": "-",
        "−": "-",
    }
)
_NUMBER = re.compile(
    r"""
    (?P<yen>¥\s*)?
    (?P<minus>-)?
    (?(yen)|(?P<yen_after_minus>¥\s*)?)
    (?P<integer>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)
    (?:\.(?P<fraction>[0-9]+))?
    (?P<suffix>\s*[円%])?
    """,
    re.VERBOSE | re.ASCII,
)
# Digits with commas somewhere: tells "1,23" (a comma in the wrong place) from text.
_COMMA_NUMBER = re.compile(r"¥?\s*-?¥?\s*[0-9][0-9,]*(?:\.[0-9]+)?\s*[円%]?", re.ASCII)
_SHOWN_LENGTH = 40


class ValueParseError(ValueError):
    """The text is not one number we can read; `message` says why and what to type, in the active language."""

    def __init__(self, message, text=""):
        super().__init__(message)
        self.message = message
        self.text = text


def is_percent_unit(unit: str) -> bool:
    return (unit or "").strip() in PERCENT_UNITS


def is_yen_unit(unit: str) -> bool:
    return (unit or "").strip() in YEN_UNITS | {"￥"}


def parse_value(text: str, unit: str = "") -> Decimal | None:
    """The number in `text`, or None when it is blank (missing); raises ValueParseError for anything else."""
    if text is None:
        return None
    stripped = str(text).strip()
    if not stripped:
        return None
    normal = stripped.translate(_HALF_WIDTH)
    match = _NUMBER.fullmatch(normal)
    if match is None:
        if "," in normal and _COMMA_NUMBER.fullmatch(normal):
            raise ValueParseError(
                _(
                    '"%(text)s" has a comma in the wrong place. Put commas between groups of three digits, such as '
                    "1,234, or leave them out."
                )
                % {"text": _shown(stripped)},
                stripped,
            )
        raise _not_a_number(stripped)

    suffix = (match["suffix"] or "").strip()
    has_yen = bool(match["yen"] or match["yen_after_minus"] or suffix == "円")
    if has_yen and (match["yen"] or match["yen_after_minus"]) and suffix:
        raise _not_a_number(stripped)  # ¥1,234円, ¥12%
    if suffix == "%" and not is_percent_unit(unit):
        raise ValueParseError(
            _('"%(text)s" is a percentage, but this number is not counted in %%. Enter it without %%, such as 120.')
            % {"text": _shown(stripped)},
            stripped,
        )
    if has_yen and unit.strip() and not is_yen_unit(unit):
        raise ValueParseError(
            _('"%(text)s" is in yen, but this number is counted in %(unit)s. Enter it without ¥ or 円, such as 120.')
            % {"text": _shown(stripped), "unit": unit.strip()},
            stripped,
        )

    integer = match["integer"].replace(",", "")
    fraction = (match["fraction"] or "").rstrip("0")
    digits = (integer + fraction).lstrip("0")
    if len(digits) > MAX_SIGNIFICANT_DIGITS:
        raise ValueParseError(
            _('"%(text)s" has more than %(count)s digits. Enter a number with at most %(count)s significant digits.')
            % {"text": _shown(stripped), "count": MAX_SIGNIFICANT_DIGITS},
            stripped,
        )
    value = Decimal(f"{integer}.{fraction}" if fraction else integer)
    if len(fraction) > MAX_DECIMAL_PLACES:
        rounded = value.quantize(Decimal(1).scaleb(-MAX_DECIMAL_PLACES), rounding=ROUND_HALF_UP)
        raise ValueParseError(
            _(
                '"%(text)s" has more than %(count)s decimal places. Round it to %(count)s places or fewer, such '
                "as %(example)s."
            )
            % {"text": _shown(stripped), "count": MAX_DECIMAL_PLACES, "example": plain(rounded)},
            stripped,
        )
    if match["minus"] and value:
        value = -value
    return value


def format_value(value: Decimal | None, unit: str = "") -> str:
    """A stored value as it goes back into an input or a file: `12.500000` -> `12.5`, `1000` -> `1000`.

    No grouping, no unit, no exponent, so that parse_value(format_value(v, unit), unit) == v for every unit.
    """
    if value is None:
        return ""
    return plain(Decimal(value))


def _shown(text):
    """The typed text as quoted in a message: long pastes are cut so the message stays readable."""
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 1] + "…"


def _not_a_number(text):
    return ValueParseError(
        _('"%(text)s" is not a number. Enter one number, such as 120.') % {"text": _shown(text)},
        text,
    )


# Text that people type: the characters no one means to type, refused in every text field, file and import
# (docs/numbers.md "Bounds"). Control characters (C0 with NUL, DEL, C1) cannot be stored by PostgreSQL (NUL) or
# shown; lone surrogates are not text; bidirectional embeddings, overrides and isolates reorder what a page shows
# (a name could read differently from what it is). Zero-width joiners, marks and spaces stay: emoji and scripts
# use them, and they cannot hide one name behind another.
LINE_BREAKS = frozenset("\t\n\r")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_unprintable(char: str) -> bool:
    """Whether `char` is refused in text: a control character, a lone surrogate or a bidirectional control."""
    return unicodedata.category(char) in ("Cc", "Cs") or char in BIDI_CONTROLS


def character_name(char: str) -> str:
    """A character as U+0000, the way people can look it up."""
    return f"U+{ord(char):04X}"


def first_unprintable(text: str, lines: bool = False) -> tuple[int, str] | None:
    """(position counted from 1, name such as U+0000) of the first refused character of `text`, or None.

    `lines`: tabs and line breaks are allowed (a definition, a comment), else they are refused too (one line).
    """
    for position, char in enumerate(text, start=1):
        if is_unprintable(char) and not (lines and char in LINE_BREAKS):
            return position, character_name(char)
    return None


def text_problem(text: str, lines: bool = False) -> str:
    """Why `text` cannot be kept, in the active language ("" when it can): the first refused character."""
    found = first_unprintable(text or "", lines)
    if found is None:
        return ""
    position, name = found
    if lines:
        message = _(
            "It holds %(character)s at position %(position)s, a character that cannot be shown. Remove it: besides "
            "text, only tabs and line breaks may be used here."
        )
    else:
        message = _(
            "It holds %(character)s at position %(position)s, a character that cannot be shown. Remove it: this is "
            "one line of text."
        )
    return message % {"character": name, "position": position}
