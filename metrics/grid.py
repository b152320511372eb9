"""The entry grid's view model (docs/ui.md "GRID"): which trees, rows and weeks a person sees, and each cell.

A cell is named by its key `<node id>-<yyyymmdd>`; its input and hidden fields (what a save sends) are
described in metrics.grid_saving, which reads and saves them. This module only builds what the page shows:
the rows of each selected tree in tree order (goals.outline), the visible weeks, the stored entries, and the
formula nodes' weekly values computed by the engine over those weeks alone.

Decisions where docs/numbers.md leaves a choice:
- Inputs show stored values with a comma per three digits (`13,020`), as the rest of the tables do;
  `parse_value` reads them back unchanged.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

from django.utils.translation import gettext as _

from goals import outline
from goals.formatting import TOO_LARGE, grouped, is_too_large, week_label
from goals.models import Node, Tree
from goals.periods import clamp_week
from goals.values import is_percent_unit
from metrics import engine, grid_context
from metrics.models import Entry
from metrics.progress import tree_data

VISIBLE_WEEKS = 6
MINE, ALL = "mine", "all"
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
    return f"{node_id}-{week.isoformat().replace('-', '')}"


def parse_key(key: str) -> tuple[int, date] | None:
    match = _KEY.fullmatch(key or "")
    if not match:
        return None
    try:
        return int(match[1]), datetime.strptime(match[2], "%Y%m%d").date()
    except ValueError:
        return None


def cell_label(node, week: date, week_text: str | None = None) -> str:
    """`受注件数（6/29週）`: how a message names the cell (`week_text`: the week's label, when known)."""
    return _("%(node)s (%(week)s)") % {"node": node.name, "week": week_text or week_label(week)}


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


# --- cells ---------------------------------------------------------------------------------------------------


class StoredEntry(NamedTuple):
    """What the grid shows of an entry (an Entry row has more, and costs more to read)."""

    value: Decimal
    note: str
    version: int


@dataclass
class Cell:
    """One enterable or read-only cell of a measured node: what the input shows and the hidden state it carries."""

    node: Node
    week: date
    enterable: bool
    entry: Entry | StoredEntry | None = None
    text: str = ""  # what the input shows: the stored value, or what the person typed
    note: str = ""  # what the note field shows
    version: int = 0  # the version the page was loaded with
    orig: str = ""  # the value the page was loaded with
    orig_note: str = ""
    error: str = ""
    conflict: object = None  # metrics.grid_saving.Conflict: someone else changed it since the page was loaded
    outcome: str = ""
    autofocus: bool = False
    key: str = ""  # cell_key; given by build_grids, else worked out
    label: str = ""  # cell_label; given by build_grids, else worked out
    # Context (metrics.grid_context): the week's target, last period's same week, the usual value when unusual.
    target: Decimal | None = None
    last: Decimal | None = None
    usual: Decimal | None = None

    def __post_init__(self):
        self.key = self.key or cell_key(self.node.pk, self.week)
        self.label = self.label or cell_label(self.node, self.week)

    @classmethod
    def stored(cls, node, week, entry, enterable=True, key="", label=""):
        """The cell as stored: `entry` is an Entry or a StoredEntry (None: no entry)."""
        text = input_text(entry.value) if entry else ""
        note = entry.note if entry else ""
        version = entry.version if entry else 0
        return cls(node, week, enterable, entry, text, note, version, text, note, key=key, label=label)

    @cached_property
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
    target: Decimal | None = None  # the week's target (metrics.grid_context)
    last: Decimal | None = None  # never set: last period is shown for measured rows only

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
    # Context (metrics.grid_context): the engine's actual and target to date at the tree's as-of week.
    to_date: Decimal | None = None
    target_to_date: Decimal | None = None
    achievement: Decimal | None = None

    @property
    def depth_class(self) -> int:
        return min(self.depth, 5)


@dataclass
class TreeGrid:
    tree: Tree
    weeks: list[date]
    last_complete: date | None  # the last complete week, when it is one of the visible weeks
    rows: list[Row]
    as_of_week: date | None = None  # the week the rows' totals to date run to
    previous: Tree | None = None  # last period's tree, when this one was copied from it

    @property
    def can_import(self):
        """Whether the person may import an entries file into this tree: they enter some of its rows."""
        return any(row.kind == ENTRY for row in self.rows)

    @property
    def cannot_import(self):
        return not self.can_import

    @property
    def phone_rows(self):
        """The rows the phone's one-KPI view offers: those the person enters."""
        return [row for row in self.rows if row.kind == ENTRY]


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
    trees = Tree.objects.select_related("previous").order_by("-period_start", "name")
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

    A fixed number of queries whatever the number and size of the trees: the nodes and progress (cached) of
    metrics.progress, the visible weeks' entries (the computed values come from them) and last period's.
    """
    if not trees:
        return []
    weeks_of = {tree.pk: visible_weeks(tree, query.anchor, today) for tree in trees}
    context = grid_context.GridContext(trees, weeks_of)
    all_weeks = [week for weeks in weeks_of.values() for week in weeks]
    entries = {}
    if all_weeks:
        rows = Entry.objects.filter(
            node__tree__in=trees, node__archived_at__isnull=True, week__gte=min(all_weeks), week__lte=max(all_weeks)
        ).values_list("node_id", "week", "value", "note", "version")
        for node_id, week, value, note, version in rows.order_by():
            entries[(node_id, week)] = StoredEntry(value, note, version)
    label = _("%(node)s (%(week)s)")

    grids = []
    for tree in trees:
        weeks = weeks_of[tree.pk]
        week_keys = [(week, week.isoformat().replace("-", ""), week_label(week)) for week in weeks]
        tree_nodes = context.nodes(tree)
        computed = computed_values(tree, tree_nodes, weeks, entries)
        last_complete = tree.last_complete_week(today)
        rows = []
        for node, depth in context.walk(tree):
            if node.is_formula:
                cells = [ComputedCell(node, week, *computed.get((node.pk, week), (None, None))) for week in weeks]
                rows.append(Row(node, depth, COMPUTED, cells))
                continue
            if query.show == MINE and node.department_id not in access.member_of:
                continue
            enterable = access.can_enter(node)
            cells = [
                Cell.stored(
                    node,
                    week,
                    entries.get((node.pk, week)),
                    enterable,
                    key=f"{node.pk}-{key}",
                    label=label % {"node": node.name, "week": week_text},
                )
                for week, key, week_text in week_keys
            ]
            rows.append(Row(node, depth, ENTRY if enterable else VIEW, cells))
        tree_grid = TreeGrid(tree, weeks, last_complete if last_complete in weeks else None, rows)
        context.fill(tree_grid)
        grids.append(tree_grid)
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
