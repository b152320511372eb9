"""From the bytes of a tree file to decoded JSON, refusing hostile input before it costs anything.

Checked before ``json.loads`` runs, so that no file can make the server recurse deeply or work for long:
the size (at most ``MAX_FILE_BYTES``, as the upload form says) and how deeply ``[`` and ``{`` are nested
(at most ``MAX_NESTING``; a tree file needs 4: the file, its nodes, a node, its weights). While decoding,
an object may have at most ``MAX_KEYS`` keys, so that a file cannot ask for an error per key by the
hundred thousand, and no key twice (JSON would keep the last one silently). Numbers are decoded as Decimal; NaN
and Infinity are refused. The format is in
docs/files.md "Tree file".
"""

import json
import re
from decimal import Decimal
from itertools import accumulate

from django.utils.translation import gettext as _

from goals.treefile.errors import file_error, shown

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_NESTING = 20
MAX_KEYS = 100

# A JSON string with its escapes; what is left once strings are taken out is structure, numbers and words.
_STRING_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET_RE = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class _Refused(ValueError):
    """A value that json.loads must not accept (NaN, Infinity, an object with too many keys)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def nesting_depth(text: str) -> int:
    """How deeply [ and { nest in JSON text, ignoring brackets inside strings; in linear time, no recursion."""
    brackets = _NOT_BRACKET_RE.sub("", _STRING_RE.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def _refuse_constant(name):
    raise _Refused(_("“%(value)s” is not a number. Write numbers with digits, such as 120.") % {"value": name})


def _decimal(text):
    try:
        return Decimal(text)
    except ArithmeticError:  # an exponent beyond what Decimal can hold, such as 1e99999999999999999999
        _refuse_constant(shown(text))


def _object(pairs):
    if len(pairs) > MAX_KEYS:
        keys = ", ".join(shown(key) for key, _value in pairs[:3])
        raise _Refused(
            _("An object in the file has %(count)s keys (%(keys)s, …); a tree file needs at most %(limit)s.")
            % {"count": len(pairs), "keys": keys, "limit": MAX_KEYS}
        )
    result = dict(pairs)
    if len(result) != len(pairs):  # a key given twice: json.loads would keep the last one silently
        seen = set()
        twice = next(key for key, _value in pairs if key in seen or seen.add(key))
        raise _Refused(
            _("“%(key)s” is given twice in one object. Keep one of them, so that no value is dropped silently.")
            % {"key": shown(twice)}
        )
    return result


def loads(text) -> dict:
    """Decode a tree file's JSON (bytes or str, UTF-8 with or without BOM), numbers as Decimal.

    TreeFileError when the file is too large, not UTF-8, nested too deeply or not JSON.
    """
    if len(text) > MAX_FILE_BYTES:
        raise file_error(_("The file is larger than 2 MB. A tree file is much smaller: check the file."))
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise file_error(_("The file is not UTF-8 text. Save it as UTF-8 JSON and try again.")) from None
    text = text.removeprefix("\ufeff")
    if nesting_depth(text) > MAX_NESTING:
        raise file_error(
            _(
                "The file has [ and { nested more than %(limit)s levels deep; a tree file needs 4. "
                "Check that you chose a tree file."
            )
            % {"limit": MAX_NESTING}
        )
    try:
        return json.loads(
            text,
            parse_float=_decimal,
            parse_int=_decimal,
            parse_constant=_refuse_constant,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as error:
        message = _("The file is not JSON: %(error)s at line %(line)s, column %(column)s.") % {
            "error": error.msg,
            "line": error.lineno,
            "column": error.colno,
        }
        raise file_error(message) from None
    except _Refused as error:
        raise file_error(error.message) from None
