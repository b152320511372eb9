"""The entry grid (docs/ui.md "GRID"): which trees, rows and weeks a person sees, and saving what they typed.

A cell is named by its key `<node id>-<yyyymmdd>`. A form that saves cells (the whole grid posted without
JavaScript, or a single cell through htmx) sends, for each cell key K:

    v-K         the value as typed; blank deletes the entry (missing, never zero)
    ver-K       the entry's version when the page was loaded (0: there was no entry)
    orig-K      the value as loaded, so that a cell the person did not touch is never written
    note-K      the note as typed (optional)
    orignote-K  the note as loaded (absent: there was none)

and, to settle a conflict, `overwrite=K:<version>` (save over the other person's change, which had that
version) or `theirs=K` (take the other person's value and leave the cell).

Decisions where docs/numbers.md leaves a choice:
- Inputs show stored values with a comma per three digits (`13,020`), as the rest of the tables do;
  `parse_value` reads them back unchanged.
- A cell the person did not touch is skipped even when someone else changed it since the page was loaded:
  only a cell whose value or note differs from what was loaded can conflict. A touched cell whose typed
  value already equals the stored one is not a conflict either.
- A note needs a number: a note typed into a cell that is blank is refused, since deleting the entry
  deletes its note.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import BadRequest
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from goals import outline
from goals.formatting import TOO_LARGE, date_label, grouped, is_too_large, week_label
from goals.models import Node, Tree, display_name
from goals.periods import clamp_week
from goals.values import ValueParseError, is_percent_unit, parse_value, text_problem
from metrics import engine
from metrics.entries import EntryConflict, set_entry
from metrics.loading import tree_data
from metrics.models import Entry, EntryChange

VISIBLE_WEEKS = 6
MINE, ALL = "mine", "all"
NOTE_MAX_LENGTH = Entry._meta.get_field("note").max_length
_KEY = re.compile(r"([0-9]{1,18})-([0-9]{8})\Z")

# Cell outcomes, as the page and grid.js read them (data-outcome).
SAVED, DELETED, UNCHANGED, THEIRS, ERROR, CONFLICT, NOT_SAVED = (
    "saved",
    "deleted",
    "unchanged",
    "theirs",
    "error",
    "conflict",
    "not_saved",
)


# --- keys and words -----------------------------------------------------------------------------------------


def cell_key(node_id, week: date) -> str:
    return f"{node_id}-{week:%Y%m%d}"


def parse_key(key: str) -> tuple[int, date] | None:
    match = _KEY.fullmatch(key or "")
    if not match:
        return None
    try:
        return int(match[1]), datetime.strptime(match[2], "%Y%m%d").date()
    except ValueError:
        return None


def cell_label(node, week: date) -> str:
    """`受注件数（6/29週）`: how a message names the cell."""
    return _("%(node)s (%(week)s)") % {"node": node.name, "week": week_label(week)}


def labelled(label: str, message: str) -> str:
    return _("%(label)s: %(message)s") % {"label": label, "message": message}


def input_text(value: Decimal | None) -> str:
    """A stored value as it stands in a cell: full digits with commas, no unit, no trailing zeros."""
    return "" if value is None else grouped(Decimal(value))


def computed_text(value: Decimal | None, unit: str) -> str:
    """A computed value, rounded for display only: one decimal for %, else whole above 100, else 2 places."""
    if value is None:
        return ""
    if is_too_large(value):
        return str(TOO_LARGE)  # docs/numbers.md "Bounds"
    if is_percent_unit(unit):
        places = 1
    elif value == value.to_integral_value():
        places = 0
    else:
        places = 0 if abs(value) >= 100 else 2
    return grouped(value, places)


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


# --- cells ---------------------------------------------------------------------------------------------------


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


@dataclass
class Cell:
    """One enterable or read-only cell of a measured node: what the input shows and the hidden state it carries."""

    node: Node
    week: date
    enterable: bool
    entry: Entry | None = None
    text: str = ""  # what the input shows: the stored value, or what the person typed
    note: str = ""  # what the note field shows
    version: int = 0  # the version the page was loaded with
    orig: str = ""  # the value the page was loaded with
    orig_note: str = ""
    error: str = ""
    conflict: Conflict | None = None
    outcome: str = ""
    autofocus: bool = False

    @classmethod
    def stored(cls, node, week, entry, enterable=True):
        text = input_text(entry.value) if entry else ""
        note = entry.note if entry else ""
        version = entry.version if entry else 0
        return cls(node, week, enterable, entry, text, note, version, text, note)

    @cached_property
    def key(self) -> str:
        return cell_key(self.node.pk, self.week)

    @cached_property
    def label(self) -> str:
        return cell_label(self.node, self.week)

    @property
    def stored_text(self) -> str:
        return input_text(self.entry.value) if self.entry else ""

    @property
    def stored_note(self) -> str:
        return self.entry.note if self.entry else ""

    @property
    def invalid(self) -> bool:
        return bool(self.error or self.conflict)

    @property
    def summary_message(self) -> str:
        """The problem as the error summary lists it: refused values carry the cell's label already."""
        if self.conflict:
            return labelled(self.label, self.conflict.message())
        return self.error

    @property
    def params(self) -> str:
        """hx-params: the fields of this cell only (the grid form holds every cell)."""
        key = self.key
        return f"v-{key},ver-{key},orig-{key},note-{key},orignote-{key},theirs,overwrite"


@dataclass
class ComputedCell:
    node: Node
    week: date
    value: Decimal | None
    reason: str | None = None

    @property
    def key(self) -> str:
        return cell_key(self.node.pk, self.week)

    @property
    def text(self) -> str:
        return computed_text(self.value, self.node.unit)

    @property
    def exact(self) -> str:
        return "" if self.value is None else grouped(self.value)

    @property
    def reason_text(self) -> str:
        if self.reason == engine.DIVISION_BY_ZERO:
            return _("Division by zero")
        if self.reason == engine.FORMULA_ERROR:
            return _("The formula cannot be used")
        return _("An input has no entry")


ENTRY, VIEW, COMPUTED = "entry", "view", "computed"


@dataclass
class Row:
    node: Node
    depth: int
    kind: str  # ENTRY (inputs), VIEW (another department's numbers, read-only), COMPUTED (formula)
    cells: list = field(default_factory=list)

    @property
    def depth_class(self) -> int:
        return min(self.depth, 5)


@dataclass
class TreeGrid:
    tree: Tree
    weeks: list[date]
    last_complete: date | None  # the last complete week, when it is one of the visible weeks
    rows: list[Row]

    @property
    def can_import(self):
        """Whether the person may import an entries file into this tree: they enter some of its rows."""
        return any(row.kind == ENTRY for row in self.rows)


# --- what the page shows -------------------------------------------------------------------------------------


@dataclass
class GridQuery:
    """The grid's query string: ?show=mine|all&tree=<id>&tree=<id>&week=YYYY-MM-DD."""

    show: str
    tree_ids: list[int]
    anchor: date | None  # a day of the rightmost week; None: each tree's last complete week

    @classmethod
    def from_request(cls, request, access):
        params = request.GET
        show = params.get("show")
        if show not in (MINE, ALL):
            show = MINE if access.member_of else ALL
        tree_ids = [int(value) for value in params.getlist("tree") if value.isascii() and value.isdigit()]
        try:
            anchor = date.fromisoformat(params.get("week", ""))
        except ValueError:
            anchor = None
        return cls(show, tree_ids, anchor)


def candidate_trees(access, show) -> list[Tree]:
    """The trees a person can pick: those their departments enter numbers in, or every tree."""
    trees = Tree.objects.order_by("-period_start", "name")
    if show == MINE:
        trees = trees.filter(
            pk__in=Node.objects.active().filter(department__in=access.member_of, formula="").values("tree_id")
        )
    return list(trees)


def default_trees(trees, today: date) -> list[Tree]:
    """The trees whose period holds the last complete week; else the latest one."""
    current = [tree for tree in trees if tree.last_complete_week(today) in tree.weeks]
    return current or trees[:1]


def visible_weeks(tree, anchor: date | None, today: date) -> list[date]:
    """VISIBLE_WEEKS weeks of the tree (fewer in a shorter period), oldest first, ending with the week of `anchor`."""
    weeks = tree.weeks
    if not weeks:
        return []
    day = anchor or tree.last_complete_week(today)
    last = weeks.index(clamp_week(day, weeks, tree.week_start))
    last = max(last, min(len(weeks), VISIBLE_WEEKS) - 1)  # near the start, still a full set of weeks
    return weeks[max(0, last - VISIBLE_WEEKS + 1) : last + 1]


def build_grids(access, trees, query: GridQuery, today: date) -> list[TreeGrid]:
    """Every selected tree's rows and visible weeks, with stored entries and computed values.

    Two queries whatever the number and size of the trees: the computed values come from the same entries.
    """
    if not trees:
        return []
    nodes = list(Node.objects.active().filter(tree__in=trees).select_related("department"))
    weeks_of = {tree.pk: visible_weeks(tree, query.anchor, today) for tree in trees}
    all_weeks = [week for weeks in weeks_of.values() for week in weeks]
    entries = {}
    if all_weeks:
        for entry in Entry.objects.filter(
            node__tree__in=trees, node__archived_at__isnull=True, week__gte=min(all_weeks), week__lte=max(all_weeks)
        ):
            entries[(entry.node_id, entry.week)] = entry
    by_tree = {}
    for node in nodes:
        by_tree.setdefault(node.tree_id, []).append(node)

    grids = []
    for tree in trees:
        weeks = weeks_of[tree.pk]
        tree_nodes = by_tree.get(tree.pk, [])
        computed = computed_values(tree, tree_nodes, weeks, entries)
        last_complete = tree.last_complete_week(today)
        rows = []
        for node, depth in outline.tree_order(tree_nodes):
            if node.is_formula:
                cells = [ComputedCell(node, week, *computed.get((node.pk, week), (None, None))) for week in weeks]
                rows.append(Row(node, depth, COMPUTED, cells))
                continue
            if query.show == MINE and node.department_id not in access.member_of:
                continue
            enterable = access.can_enter(node)
            cells = [Cell.stored(node, week, entries.get((node.pk, week)), enterable) for week in weeks]
            rows.append(Row(node, depth, ENTRY if enterable else VIEW, cells))
        grids.append(TreeGrid(tree, weeks, last_complete if last_complete in weeks else None, rows))
    return grids


def computed_values(tree, nodes, weeks, entries) -> dict[tuple[int, date], tuple[Decimal | None, str | None]]:
    """(value, reason) of every formula node of `tree` for `weeks`, by the progress engine; no query.

    `nodes` are the tree's active nodes in their order, `entries` {(node id, week): Entry} holds at least the
    entries of `weeks`. A formula node's weekly value is its formula over its inputs' values of that week
    (`recompute` changes only values over ranges), so the engine's weekly values over these weeks alone are
    those of the whole period (tests/metrics/test_grid_computed.py).
    """
    if not weeks or not any(node.is_formula for node in nodes):
        return {}
    ordered = outline.ordered(nodes)
    data = replace(tree_data(tree, ordered), weeks=tuple(weeks))
    values = {}
    for node in ordered:
        if node.is_measured:
            found = ((week, entries.get((node.pk, week))) for week in weeks)
            values[node.code] = {week: entry.value for week, entry in found if entry is not None}
    computed = engine.weekly_values(data, values)
    result = {}
    for node in nodes:
        if node.is_formula and node.code in computed:
            for week, value_and_reason in zip(weeks, computed[node.code], strict=True):
                result[(node.pk, week)] = value_and_reason
    return result


def computed_cells_for_week(tree, week: date) -> list[ComputedCell]:
    """The formula cells of one tree and week, to refresh after a save (2 queries: nodes, the week's entries)."""
    nodes = list(Node.objects.active().filter(tree=tree))
    entries = {
        (entry.node_id, entry.week): entry
        for entry in Entry.objects.filter(node__tree=tree, node__archived_at__isnull=True, week=week).order_by()
    }
    computed = computed_values(tree, nodes, [week], entries)
    return [
        ComputedCell(node, week, *computed.get((node.pk, week), (None, None))) for node in nodes if node.is_formula
    ]


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
