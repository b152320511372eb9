"""Saving what a person typed into the entry grid: one cell (htmx) or the whole grid (the form without JavaScript).

A form that saves cells sends, for each cell key K (metrics.grid.cell_key):

    v-K         the value as typed; blank deletes the entry (missing, never zero)
    ver-K       the entry's version when the page was loaded (0: there was no entry)
    orig-K      the value as loaded, so that a cell the person did not touch is never written
    note-K      the note as typed (optional)
    orignote-K  the note as loaded (absent: there was none)

and, to settle a conflict, `overwrite=K:<version>` (save over the other person's change, which had that
version) or `theirs=K` (take the other person's value and leave the cell). Every value goes through
metrics.entries.set_entry, the one write path of numbers.

The whole grid posted without JavaScript sends every cell of the page: about 5,000 fields for a 200-node
tree, where Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) in a form. `read_whole_grid`
reads it with a bound sized to the grid the address asks for (FIELDS_PER_CELL per cell it can show), so a
grid of any size saves, and a post with more fields than its grid could send is still refused (400). The
body's size stays bounded by DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB: some 25,000 cells).

Decisions where docs/numbers.md leaves a choice:
- A cell the person did not touch is skipped even when someone else changed it since the page was loaded:
  only a cell whose value or note differs from what was loaded can conflict. A touched cell whose typed
  value already equals the stored one is not a conflict either.
- A note needs a number: a note typed into a cell that is blank is refused, since deleting the entry
  deletes its note.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import BadRequest, TooManyFieldsSent
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from goals.formatting import date_label
from goals.models import Node, display_name
from goals.values import ValueParseError, parse_value, text_problem
from metrics.entries import EntryConflict, set_entry
from metrics.grid import (
    CONFLICT,
    DELETED,
    ERROR,
    NOT_SAVED,
    SAVED,
    THEIRS,
    UNCHANGED,
    Cell,
    cell_key,
    cell_label,
    input_text,
    labelled,
    parse_key,
)
from metrics.models import Entry, EntryChange

NOTE_MAX_LENGTH = Entry._meta.get_field("note").max_length
FIELDS_PER_CELL = 5  # v-, ver-, orig-, note-, orignote-
FORM_FIELDS = 10  # csrfmiddlewaretoken, overwrite, theirs, with room to spare


def read_whole_grid(request, cells: int):
    """The whole grid's form as posted (what request.POST would hold), read with a bound on its fields sized to
    a grid of `cells` cells instead of DATA_UPLOAD_MAX_NUMBER_FIELDS; TooManyFieldsSent (400) beyond it.

    A form that is not URL-encoded (which the grid's never is) is left to Django, with its own limits.
    """
    if request.content_type != "application/x-www-form-urlencoded":
        return request.POST
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    if limit is not None:
        limit = max(limit, FIELDS_PER_CELL * cells + FORM_FIELDS)
    try:
        # As QueryDict reads a body: bytes as Latin-1 (only ASCII is sent), %-escapes as UTF-8.
        pairs = parse_qsl(
            request.body.decode("iso-8859-1"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="replace",
            max_num_fields=limit,
        )
    except ValueError as error:
        raise TooManyFieldsSent(f"The grid form sent more than {limit} fields.") from error
    form = QueryDict(mutable=True)
    for name, value in pairs:
        form.appendlist(name, value)
    return form


def _time_label(moment: datetime | None) -> str:
    """14:32 for today, else the date and time."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    clock = local.strftime("%H:%M")
    if local.date() == timezone.localdate():
        return clock
    return f"{date_label(local.date())} {clock}"


def _sentences(*parts: str) -> str:
    """Japanese sentences follow each other without a space; English ones with one."""
    separator = "" if (get_language() or "").startswith("ja") else " "
    return separator.join(part for part in parts if part)


@dataclass
class Conflict:
    """Someone else changed the cell after the person loaded it: what they did, for the message and buttons."""

    current: Entry | None  # the entry as stored now; None: they deleted it
    person: str  # their display name; "" when unknown
    at: datetime | None
    typed: Decimal | None  # what this person typed (None: a blank cell)

    @property
    def version(self) -> int:
        return self.current.version if self.current else 0

    @property
    def value_text(self) -> str:
        return input_text(self.current.value) if self.current else ""

    @property
    def use_theirs_label(self) -> str:
        if self.person:
            return _("Use %(person)s's value") % {"person": self.person}
        return _("Use the saved value")

    def message(self) -> str:
        values = {"person": self.person, "time": _time_label(self.at), "value": self.value_text}
        if self.current is None:
            if self.person:
                happened = _("Not saved: %(person)s deleted this number at %(time)s.") % values
            else:
                happened = _("Not saved: this number was deleted at %(time)s.") % values
        elif self.person:
            happened = _("Not saved: %(person)s changed this to %(value)s at %(time)s.") % values
        else:
            happened = _("Not saved: this was changed to %(value)s at %(time)s.") % values
        if self.typed is None:
            kept = _("Your blank cell is kept.")
        else:
            kept = _("Your %(typed)s is kept.") % {"typed": input_text(self.typed)}
        if self.person:
            ask = _("Use %(person)s's value or Overwrite?") % values
        else:
            ask = _("Use the saved value or Overwrite?")
        return _sentences(happened, kept, ask)


# --- reading and saving typed cells --------------------------------------------------------------------------


@dataclass
class CellInput:
    key: str
    node_id: int
    week: date
    text: str
    version: int
    orig: str | None  # None: not sent (treated as touched)
    note: str | None  # None: not sent (the note stays)
    orig_note: str
    overwrite: int | None = None  # the version to save over, after a conflict
    theirs: bool = False


def read_cell_inputs(data) -> list[CellInput]:
    """The cells in a posted form, in their order; BadRequest for anything a page of ours never sends."""
    overwrite_key, overwrite_version = "", None
    if data.get("overwrite"):
        overwrite_key, _sep, version = data["overwrite"].rpartition(":")
        overwrite_version = _version(version)
    theirs_key = data.get("theirs", "")
    inputs = []
    for name in data:
        if not name.startswith("v-"):
            continue
        key = name[2:]
        parsed = parse_key(key)
        if parsed is None:
            raise BadRequest(f"bad cell key {key!r}")
        inputs.append(
            CellInput(
                key=key,
                node_id=parsed[0],
                week=parsed[1],
                text=data.get(name, ""),
                version=_version(data.get(f"ver-{key}", "")),
                orig=data.get(f"orig-{key}"),
                note=data.get(f"note-{key}"),
                orig_note=data.get(f"orignote-{key}", ""),
                overwrite=overwrite_version if key == overwrite_key else None,
                theirs=key == theirs_key,
            )
        )
    return inputs


def _version(text) -> int:
    if not ((text or "").isascii() and text.isdigit()) or len(text) > 9:
        raise BadRequest("bad version")
    return int(text)


@dataclass
class CellResult:
    input: CellInput
    node: Node
    value: Decimal | None = None
    note: str | None = None  # None: leave the stored note as it is
    touched: bool = True
    error: str = ""
    conflict: Conflict | None = None
    outcome: str = ""
    entry: Entry | None = None  # as stored now

    @property
    def expected_version(self) -> int:
        return self.input.overwrite if self.input.overwrite is not None else self.input.version

    def cell(self) -> Cell:
        """The cell to show after this save: stored values when settled, what was typed when not."""
        if self.outcome in (SAVED, DELETED, UNCHANGED, THEIRS):
            cell = Cell.stored(self.node, self.input.week, self.entry)
        else:
            loaded_note = self.input.orig_note
            cell = Cell(
                self.node,
                self.input.week,
                True,
                self.entry,
                text=self.input.text,
                note=self.input.note if self.input.note is not None else loaded_note,
                version=self.input.version,
                orig=self.input.orig if self.input.orig is not None else "",
                orig_note=loaded_note,
            )
        cell.error = self.error
        cell.conflict = self.conflict
        cell.outcome = self.outcome
        return cell


def save_cells(inputs: list[CellInput], nodes: dict[int, Node], user) -> list[CellResult]:
    """Read, check and save the cells all together: any refused value or conflict saves none of them."""
    results = [_read(item, nodes[item.node_id]) for item in inputs]
    current = _current_entries(inputs)
    for result in results:
        result.entry = current.get(result.input.key)
        if result.error:
            result.outcome = ERROR
        elif result.input.theirs:
            result.outcome = THEIRS
        elif not result.touched or _already_stored(result, result.entry):
            result.outcome = UNCHANGED
        elif result.expected_version != (result.entry.version if result.entry else 0):
            result.conflict = _conflict(result, result.entry)
            result.outcome = CONFLICT
    if any(result.outcome in (ERROR, CONFLICT) for result in results):
        return _none_saved(results)

    with transaction.atomic():
        for result in results:
            if result.outcome:
                continue
            try:
                result.entry = set_entry(
                    result.node,
                    result.input.week,
                    result.value,
                    user=user,
                    source=EntryChange.Source.GRID,
                    note=result.note,
                    expected_version=result.expected_version,
                )
            except EntryConflict as conflict:  # someone saved between our read and our write
                result.entry = conflict.current
                result.conflict = _conflict(result, conflict.current)
                result.outcome = CONFLICT
            else:
                result.outcome = DELETED if result.value is None else SAVED
        if any(result.outcome == CONFLICT for result in results):
            transaction.set_rollback(True)
            for result in results:
                if result.outcome in (SAVED, DELETED):
                    result.entry = current.get(result.input.key)
            return _none_saved(results)
    return results


def _none_saved(results):
    for result in results:
        if result.outcome in ("", SAVED, DELETED):
            result.outcome = NOT_SAVED
    return results


def _read(item: CellInput, node: Node) -> CellResult:
    result = CellResult(item, node)
    label = cell_label(node, item.week)
    try:
        result.value = parse_value(item.text, node.unit)
    except ValueParseError as error:
        result.error = labelled(label, error.message)
        return result
    loaded = _loaded_value(item.orig, node.unit)
    value_touched = item.orig is None or loaded != result.value
    note_touched = item.note is not None and item.note.strip() != item.orig_note.strip()
    result.touched = value_touched or note_touched
    if note_touched:
        result.note = item.note.strip()
        if len(result.note) > NOTE_MAX_LENGTH:
            result.error = labelled(
                label,
                _("The note has %(count)s characters. Shorten it to %(max)s characters or fewer.")
                % {"count": len(result.note), "max": NOTE_MAX_LENGTH},
            )
        elif text_problem(result.note, lines=True):
            result.error = labelled(label, _("The note: %(problem)s") % {"problem": text_problem(result.note, True)})
        elif result.note and result.value is None:
            result.error = labelled(label, _("A note needs a number. Enter the number, or clear the note."))
    return result


def _loaded_value(text, unit):
    try:
        return parse_value(text, unit)
    except ValueParseError:
        return object()  # never equal: the cell counts as touched


def _already_stored(result: CellResult, entry: Entry | None) -> bool:
    """What the person typed is what is stored already (by them in another tab, or by someone else)."""
    if entry is None:
        return result.value is None
    return entry.value == result.value and (result.note is None or result.note == entry.note)


def _current_entries(inputs) -> dict[str, Entry]:
    if not inputs:
        return {}
    wanted = {item.key for item in inputs}
    entries = Entry.objects.filter(
        node_id__in={item.node_id for item in inputs}, week__in={item.week for item in inputs}
    ).select_related("updated_by")
    return {key: entry for entry in entries if (key := cell_key(entry.node_id, entry.week)) in wanted}


def _conflict(result: CellResult, current: Entry | None) -> Conflict:
    if current is not None:
        return Conflict(current, display_name(current.updated_by), current.updated_at, result.value)
    change = (
        EntryChange.objects.filter(node=result.node, week=result.input.week)
        .select_related("user")
        .order_by("-created_at", "-id")
        .first()
    )
    return Conflict(
        None, display_name(change.user) if change else "", change.created_at if change else None, result.value
    )
