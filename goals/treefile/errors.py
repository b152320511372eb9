"""What is wrong with a tree file: each problem by node and key, and the refusal of the whole file.

Messages are in the user's language. Values from the file are shown through :func:`shown`, which keeps
control characters visible and long values short, so that no message carries what a page cannot show.
"""

import json
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from goals.values import character_name, is_unprintable

SHOWN_LENGTH = 60


@dataclass(frozen=True)
class FileError:
    """One thing wrong in a tree file: which node (its code, `#n` when it has none, None for the tree) and key."""

    node: str | None
    field: str
    message: str

    def __str__(self):
        if self.node is None:
            return _("%(field)s: %(message)s") % {"field": self.field, "message": self.message}
        return _("Node %(node)s, %(field)s: %(message)s") % {
            "node": self.node,
            "field": self.field,
            "message": self.message,
        }


class TreeFileError(ValueError):
    """The file was refused whole; `errors` lists every problem found.

    `count` is the number of problems; it exceeds len(errors) only for a file so broken that listing
    every problem would help nobody (see reading.MAX_LISTED_ERRORS), and then `unlisted` says how many more.
    """

    def __init__(self, errors, count=None):
        self.errors = list(errors)
        self.count = max(count or 0, len(self.errors))
        super().__init__("\n".join(str(error) for error in self.errors))

    @property
    def summary(self):
        return ngettext(
            "The tree file was not imported: it has %(count)s problem, so nothing was saved.",
            "The tree file was not imported: it has %(count)s problems, so nothing was saved.",
            self.count,
        ) % {"count": self.count}

    @property
    def unlisted(self):
        """A line saying how many problems are not listed, or "" when every one is."""
        more = self.count - len(self.errors)
        if not more:
            return ""
        return ngettext(
            "…and %(count)s more problem, not listed.", "…and %(count)s more problems, not listed.", more
        ) % {"count": more}

    def add_to_form(self, form):
        """The problems on a Django form: the tree's code on its `code` field, the rest above the form."""
        for problem in self.errors:
            form.add_error("code" if problem.field == "code" and problem.node is None else None, str(problem))
        if self.unlisted:
            form.add_error(None, self.unlisted)

    def report(self):
        """The summary and every error, one per line, for a command's output."""
        lines = [self.summary, *(f"- {error}" for error in self.errors)]
        if self.unlisted:
            lines.append(self.unlisted)
        return "\n".join(lines)


def file_error(message) -> TreeFileError:
    """The refusal of a file that cannot be read at all (size, encoding, JSON)."""
    return TreeFileError([FileError(None, _("file"), message)])


def is_control(char) -> bool:
    """Control characters (C0, DEL, C1), lone surrogates and bidirectional controls: nothing a person means to
    type, refused in files as in forms (goals.values.is_unprintable)."""
    return is_unprintable(char)


def shown(value) -> str:
    """A value from the file as a message shows it: text as is, anything else as JSON; control characters
    as U+0000, and at most SHOWN_LENGTH characters."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, Decimal):
        text = str(value)
    else:
        text = json.dumps(value, default=str, ensure_ascii=False)
    if len(text) > SHOWN_LENGTH:
        text = text[: SHOWN_LENGTH - 1] + "…"
    if any(is_control(char) for char in text):
        text = "".join(f"[{character_name(char)}]" if is_control(char) else char for char in text)
    return text
