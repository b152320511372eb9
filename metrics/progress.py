"""A tree's progress: THE loader of a tree's data for the engine, the cache that keeps its results, and the
computation. Every page, file and command that shows progress gets it here.

Load (fixed queries, whatever the trees' sizes):
- `load_trees(trees)` reads the active nodes of any number of trees, with their departments, in one query,
  and walks each tree with goals.outline (only the nodes reachable from the KGI through active parents, in
  tree order) into the engine's plain data (metrics.engine.TreeData) beside the Node rows pages link to.
- `read_entries` reads their entries in one more query: only the weeks of each tree's period, each node's
  weeks and values packed into one text by the database (StringAgg), so that 30,000 entries arrive as 200
  rows; with the notes of the nodes asked for (`notes_for`; None: every node) as one JSON array per node.

Cache (Django's cache: Redis in production, local memory in development): the key is
`goaltree:progress:<release>:<tree id>:<Tree.data_version>:<as-of week>`. Every write of what a tree's
progress is computed from (entries through metrics.entries.set_entry and imports, versioned saves of trees
and nodes, moves, reorders, archiving, restoring, tree-file imports, renaming a department) raises the
tree's data_version in the same transaction, so a key never names other data than it holds and nothing is
ever deleted: old keys are simply not read again and expire after TIMEOUT. `settings.RELEASE` (read once at
start, config/release.py) keeps what another release computed or worded apart. A write made outside those
paths (a shell, a bulk load) must call Tree.bump_data_version itself, as load_demo and bench do; after a
database restore, clear the cache (docs/operations.md). Pages keep rendered fragments under the same parts
(`cache_parts`). When the cache fails (Redis down), pages compute as before.

What is stored is small and quick to read back: each node's figures (actual and target to date,
achievement, status, forecast, sensitivity…) and its weekly values as text (a measured node's as the
database packed its entries); a node's weekly series are rebuilt from them by the engine's own functions
(metrics.engine.rebuild_node_progress) only when a page reads them, so a dashboard reads back 200 nodes'
figures and one node's weeks. A result that cannot be kept as text (entries that are not Decimals, which
the database never gives) is not kept.

Compute: `trees_progress(trees, as_of)` / `tree_progress(tree, as_of)` give each tree's LoadedTree and
Progress, from the cache or computed and kept; `progress_for_tree(tree, as_of)` the Progress and TreeData;
`compute_progress(tree, as_of)` computes without the cache (export_progress compares databases with it).

Decisions where docs/numbers.md leaves a choice:
- Only nodes reachable from the active KGI through active parents are included (goals.outline.tree_order).
- Entries outside the period's weeks are not read. Stored seasonality weights that are not numbers are passed
  on as an empty tuple, so the engine warns and spreads the target evenly.
- The default "as of" date is the last complete week (Tree.last_complete_week), clamped to the period.
- Values are read as the database writes them in text and made Decimals with 6 decimal places, exactly as
  the ORM gives them (on SQLite, whose REAL values both read to 15 significant digits).
- A formula error's `EngineWarning.detail` is kept in the language of the request that computed it (pages
  word formula errors from the node itself, never from it).

Longer than 500 lines on purpose: loading, keeping and computing progress are one concern with one owner,
and the stored form (the end of the module) is read by nothing else.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Context, Decimal, InvalidOperation
from functools import cached_property
from itertools import repeat
from operator import itemgetter

from django.conf import settings
from django.core.cache import cache
from django.db.models import Aggregate, Func, Q, TextField, Value
from django.db.models.aggregates import StringAgg
from django.db.models.functions import Cast, Concat

from goals.models import Node
from goals.outline import tree_order
from goals.periods import clamp_week
from metrics import engine
from metrics.engine import LazyNodeProgress, NodeData, NodeProgress, NodeState, Progress, TreeData
from metrics.models import Entry

FORMAT = 4  # the shape of what is stored; the release covers every other change of the code
TIMEOUT = 24 * 60 * 60
KEY_PREFIX = "goaltree:progress"

logger = logging.getLogger(__name__)


# --- the loader -------------------------------------------------------------------------------------------


@dataclass
class LoadedTree:
    tree: object  # goals.models.Tree
    data: TreeData
    entries: dict[str, dict[date, Decimal]] | None  # None when the progress came from the cache
    nodes: list[Node]  # in tree order, as in data.nodes
    depths: dict[str, int]
    notes: dict[str, dict[date, str]] = field(default_factory=dict)
    # Each measured node's entries as the database packed them (read_entries), read or kept: "" for none.
    packed: dict[str, str] = field(default_factory=dict)

    @cached_property
    def by_code(self) -> dict[str, Node]:
        return {node.code: node for node in self.nodes}

    @property
    def has_entries(self) -> bool:
        if self.entries is None:
            return any(self.packed.values())
        return any(self.entries.values())

    def has_entry(self, code: str, week: date) -> bool:
        """Whether the measured node `code` has an entry for `week`, one of the period's weeks."""
        if self.entries is None:
            return f",{week.isoformat()}" in f",{self.packed.get(code, '')}"  # each entry starts with its week
        return week in self.entries.get(code, {})


def node_rows(trees):
    """The active nodes of `trees` with their departments, each tree's in its order (one query when read)."""
    return (
        Node.objects.active()
        .filter(tree__in=[tree.pk for tree in trees])
        .select_related("department")
        .order_by("tree_id", "position", "pk")
    )


def load_trees(trees, notes_for: set[str] | None = None, *, entries: bool = True) -> dict[int, LoadedTree]:
    """{tree pk: LoadedTree} of `trees`: nodes in one query, and (`entries`) their entries in one more."""
    trees = list(trees)
    if not trees:
        return {}
    by_tree = {tree.pk: [] for tree in trees}
    for node in node_rows(trees):
        by_tree[node.tree_id].append(node)
    loaded = {}
    for tree in trees:
        walk = tree_order(by_tree[tree.pk])
        nodes = [node for node, _depth in walk]
        depths = {node.code: depth for node, depth in walk}
        loaded[tree.pk] = LoadedTree(tree, tree_data(tree, nodes), None, nodes, depths)
    if entries:
        read_entries(list(loaded.values()), notes_for)
    return loaded


def load_tree(tree, notes_for: set[str] | None = None) -> LoadedTree:
    return load_trees([tree], notes_for)[tree.pk]


def tree_data(tree, nodes) -> TreeData:
    """The engine's plain data of `tree` with its `nodes` (Node rows in tree order, as goals.outline gives them)."""
    included = {node.pk: node for node in nodes}
    return TreeData(
        code=tree.code,
        name=tree.name,
        weeks=tuple(tree.weeks),
        warning_threshold=tree.warning_threshold,
        week_start=tree.week_start,
        nodes=tuple(_node_data(node, included) for node in nodes),
    )


def _node_data(node, included) -> NodeData:
    return NodeData(
        code=node.code,
        name=node.name,
        parent=included[node.parent_id].code if node.parent_id is not None else None,
        formula=node.formula.strip(),
        aggregation=node.aggregation,
        direction=node.direction,
        target=node.target,
        stretch=node.stretch,
        weights=_weights(node.weights),
        unit=node.unit,
        breakdown=node.breakdown.strip() if node.is_measured else "",
        frequency=node.frequency,
    )


def _weights(value) -> tuple[Decimal, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        return ()
    try:
        return tuple(Decimal(str(weight)) for weight in value)
    except (InvalidOperation, ValueError, TypeError):
        return ()


def _measured(loaded: list[LoadedTree], codes=None):
    """{node id: (LoadedTree, code)} of the trees' reachable measured nodes (of `codes` only, when given)."""
    return {
        node.pk: (item, node.code)
        for item in loaded
        for node in item.nodes
        if node.is_measured and (codes is None or node.code in codes)
    }


def _in_periods(loaded: list[LoadedTree]) -> Q | None:
    """Entries of active nodes in the weeks of their trees' periods; None when there is nothing to read."""
    ranges = Q()
    for item in loaded:
        weeks = item.data.weeks
        if weeks:
            ranges |= Q(node__tree_id=item.tree.pk, week__gte=weeks[0], week__lte=weeks[-1])
    return (ranges & Q(node__archived_at__isnull=True)) if ranges else None


class _JSONArrayAgg(Aggregate):
    """The values of a group as a JSON array: JSON_AGG on PostgreSQL, JSON_GROUP_ARRAY on SQLite."""

    function = "JSON_AGG"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


class _JSONArray(Func):
    """A JSON array of a few values: JSON_BUILD_ARRAY on PostgreSQL, JSON_ARRAY on SQLite (Django's JSONArray
    asks the database whether it has JSON first, which is one more query per connection on SQLite)."""

    function = "JSON_BUILD_ARRAY"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_ARRAY", **extra_context)


class _ValueText(Func):
    """An entry's value as text with the field's 6 decimal places, as the ORM reads it. PostgreSQL writes them
    (numeric(24, 6)); SQLite stores whole numbers as integers, which get them written out here, and any other
    value is marked with "~" to be rounded to them in Python (`unpack`)."""

    template = "CAST(%(expressions)s AS TEXT)"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        template = (
            "CASE typeof(%(expressions)s) WHEN 'integer' THEN CAST(%(expressions)s AS TEXT) || '.000000' "
            "ELSE '~' || CAST(%(expressions)s AS TEXT) END"
        )
        return super().as_sql(compiler, connection, template=template, **extra_context)


_SIX_PLACES = Decimal("0.000001")
_DECIMALS = Context(prec=24)  # the field's max_digits, as the ORM reads values
_WEEK_TEXT, _VALUE_TEXT = itemgetter(slice(0, 10)), itemgetter(slice(10, None))  # of "2026-06-291234.500000"


def read_entries(loaded: list[LoadedTree], notes_for: set[str] | None = None) -> None:
    """Fill the entries (and the notes of `notes_for` codes; None: all) of the `loaded` trees, in one query.

    Each node comes as one row: `week value,week value,…` (a week is its 10 ISO characters, the value follows
    as text, _ValueText) and its notes as a JSON array of [week, note].
    """
    for item in loaded:
        item.entries = {node.code: {} for node in item.nodes if node.is_measured}
        item.packed = dict.fromkeys(item.entries, "")
        item.notes = {}
    node_of = _measured(loaded)
    ranges = _in_periods(loaded)
    if ranges is None or not node_of:
        return
    packed = StringAgg(Concat(Cast("week", TextField()), _ValueText("value")), Value(","))
    annotations = {"packed": packed}
    if notes_for is None or notes_for:
        wanted = Q(note__gt="")
        if notes_for is not None:
            wanted &= Q(node_id__in=[pk for pk, (_item, code) in node_of.items() if code in notes_for])
        notes = _JSONArrayAgg(_JSONArray(Cast("week", TextField()), "note"), filter=wanted)
        annotations["notes"] = Cast(notes, TextField())
    rows = Entry.objects.filter(ranges).order_by().values("node_id").annotate(**annotations)
    with engine.collector_paused():  # tens of thousands of Decimals that all live on: nothing for it to find
        _fill_entries(rows.values_list("node_id", *annotations), node_of)


def _fill_entries(rows, node_of) -> None:
    weeks_of = {}
    for row in rows:
        found = node_of.get(row[0])
        if found is None:
            continue
        item, code = found
        week_of = weeks_of.get(item.tree.pk)
        if week_of is None:
            week_of = weeks_of[item.tree.pk] = {week.isoformat(): week for week in item.data.weeks}
        item.packed[code] = row[1]
        item.entries[code] = unpack(row[1], week_of)
        if len(row) > 2 and row[2]:
            notes = {date.fromisoformat(week): note for week, note in json.loads(row[2])}
            if notes:
                item.notes[code] = notes


def unpack(packed: str, week_of: dict[str, date]) -> dict[date, Decimal]:
    """{week: value} of a node's entries as read_entries reads them from the database (`week_of`: the period's
    weeks by their ISO text)."""
    if not packed:
        return {}
    rounded = "~" not in packed  # every value has its 6 decimal places already (_ValueText)
    items = (packed if rounded else packed.replace("~", "")).split(",")
    weeks = list(map(week_of.get, map(_WEEK_TEXT, items)))
    if None in weeks:  # a date that is not the start of one of the period's weeks
        weeks = [week or date.fromisoformat(text[:10]) for week, text in zip(weeks, items, strict=True)]
    values = map(Decimal, map(_VALUE_TEXT, items))
    if not rounded:
        values = map(_DECIMALS.quantize, values, repeat(_SIX_PLACES))
    return dict(zip(weeks, values, strict=True))


def read_notes(loaded: list[LoadedTree], notes_for: set[str] | None = None) -> None:
    """Fill only the notes of the `loaded` trees (of `notes_for` codes; None: all), in one query."""
    for item in loaded:
        item.notes = {}
    node_of = _measured(loaded, notes_for)
    ranges = _in_periods(loaded)
    if ranges is None or not node_of:
        return
    rows = (
        Entry.objects.filter(ranges, node_id__in=list(node_of))
        .exclude(note="")
        .values_list("node_id", "week", "note")
        .order_by()
    )
    for node_id, week, note in rows:
        item, code = node_of[node_id]
        item.notes.setdefault(code, {})[week] = note


# --- progress, kept or computed ---------------------------------------------------------------------------


def default_as_of(tree) -> date:
    """The last complete week: the one before the week that holds today (Tree.last_complete_week)."""
    return tree.last_complete_week()


def as_of_week(tree, as_of: date | None = None) -> date:
    """The week of the period whose progress `as_of` (default: the last complete week) asks for."""
    return clamp_week(as_of or default_as_of(tree), tree.weeks, tree.week_start)


def cache_parts(tree, week: date) -> list:
    """What a kept result of `tree` at the as-of `week` depends on: the key's parts, for fragments too."""
    return [settings.RELEASE, tree.pk, tree.data_version, week.isoformat()]


def cache_key(tree, week: date) -> str:
    return ":".join(map(str, [KEY_PREFIX, *cache_parts(tree, week)]))


@dataclass
class TreeProgress:
    loaded: LoadedTree
    progress: Progress


def trees_progress(trees, as_of, notes_for: set[str] | None = None) -> dict[int, TreeProgress]:
    """{tree pk: TreeProgress} at `as_of` (a date, or a function of the tree giving one).

    Queries: one for the nodes; one more for the entries when a tree is not in the cache; one for the notes
    of the `notes_for` codes (None: every code) when they are not read with the entries.
    """
    trees = list(trees)
    if not trees:
        return {}
    loaded = load_trees(trees, entries=False)
    keys = {tree.pk: cache_key(tree, as_of_week(tree, as_of(tree) if callable(as_of) else as_of)) for tree in trees}
    stored = _get_many(list(keys.values()))
    result = {}
    missing = []
    for tree in trees:
        item = loaded[tree.pk]
        progress = _decode(stored.get(keys[tree.pk]), item)
        if progress is None:
            missing.append(item)
        else:
            result[tree.pk] = TreeProgress(item, progress)
    hits = [result[pk].loaded for pk in result]
    if missing:
        read_entries(missing, notes_for)
        new = {}
        for item in missing:
            tree = item.tree
            progress = engine.compute(item.data, item.entries, as_of(tree) if callable(as_of) else as_of)
            result[tree.pk] = TreeProgress(item, progress)
            payload = _encode(progress, item.data, item.packed)
            if payload is not None:
                new[keys[tree.pk]] = payload
        _set_many(new)
    if hits and (notes_for is None or notes_for):
        read_notes(hits, notes_for)
    return {tree.pk: result[tree.pk] for tree in trees}


def tree_progress(tree, as_of: date | None = None, notes_for: set[str] | None = None) -> TreeProgress:
    """The tree's TreeProgress at `as_of` (default: the last complete week)."""
    return trees_progress([tree], as_of or default_as_of(tree), notes_for)[tree.pk]


def progress_for_tree(tree, as_of: date | None = None) -> tuple[Progress, TreeData]:
    """The tree's progress at `as_of` (default: the last complete week) and the data it was computed from."""
    found = tree_progress(tree, as_of, notes_for=set())
    return found.progress, found.loaded.data


def compute_progress(tree, as_of: date | None = None) -> tuple[Progress, TreeData]:
    """progress_for_tree without the cache: loaded from the database and computed now."""
    loaded = load_tree(tree, notes_for=set())
    return engine.compute(loaded.data, loaded.entries, as_of or default_as_of(tree)), loaded.data


def _get_many(keys):
    try:
        return cache.get_many(keys)
    except Exception:  # the cache is an optimisation: without it, pages compute as before
        logger.warning("progress cache: reading failed", exc_info=True)
        return {}


def _set_many(values):
    if not values:
        return
    try:
        cache.set_many(values, TIMEOUT)
    except Exception:
        logger.warning("progress cache: writing failed", exc_info=True)


# --- what is stored --------------------------------------------------------------------------------------

_REASON_LETTERS = {
    None: "-",
    engine.NO_ENTRY: "e",
    engine.MISSING_INPUT: "m",
    engine.DIVISION_BY_ZERO: "z",
    engine.FORMULA_ERROR: "f",
}
_REASONS = {letter: reason for reason, letter in _REASON_LETTERS.items()}
_FIGURES = (
    "actual_to_date",
    "actual_reason",
    "target_to_date",
    "stretch_to_date",
    "achievement",
    "status",
    "forecast",
    "sensitivity",
    "projection",
    "impact",
    "impact_reason",
)
_SERIES = ("weeks", "cumulative_actual", "cumulative_target", "cumulative_stretch", "cumulative_forecast")
_TEXT_TYPES = frozenset({Decimal, type(None)})


class _NotText(Exception):
    """A value that does not survive text: the result is not stored."""


def _text(values) -> str:
    """Decimals (and None) as text that _numbers reads back digit for digit (str of a Decimal keeps its exponent
    and the sign of a zero)."""
    if not _TEXT_TYPES.issuperset(map(type, values)):
        raise _NotText
    return "|".join(map(str, values))


def _numbers(text: str) -> list:
    if not text:
        return []
    parts = text.split("|")
    if "None" not in parts:
        return list(map(Decimal, parts))
    return [None if part == "None" else Decimal(part) for part in parts]


def _projected_text(projected) -> str:
    """NodeState.projected as text: one value, or one per week after the as-of week where they differ."""
    return _text(projected if isinstance(projected, list) else [projected])


def _projected(text: str):
    values = _numbers(text)
    return values[0] if len(values) == 1 else values


def _encode(progress: Progress, data: TreeData, packed: dict[str, str] | None = None):
    """What the cache keeps of `progress` (computed from `data`); None when it cannot be kept.

    Per node: its figures, and what its weekly series are rebuilt from. A measured node's weekly values are its
    entries, so they are kept as the database packed them (`packed`, from read_entries) rather than written
    out again; a formula node's are kept as text, with why each is missing.
    """
    packed = packed or {}
    d = progress.weeks.index(progress.as_of_week) if progress.weeks else -1
    nodes = []
    try:
        for node in data.nodes:
            result = progress.nodes[node.code]
            figures = tuple(getattr(result, name) for name in _FIGURES)
            if not node.is_formula and node.code in packed:
                projected = engine.projected_weeks(result, d)
                nodes.append((figures, None, None, _projected_text(projected), None, None, packed[node.code]))
                continue
            state = engine.node_state(result, d)
            nodes.append(
                (
                    figures,
                    _text(state.weekly),
                    "".join(map(_REASON_LETTERS.__getitem__, state.reasons)),
                    _projected_text(state.projected),
                    None if state.run_actual is None else _text(state.run_actual),
                    None if state.run_forecast is None else _text(state.run_forecast),
                    None,
                )
            )
    except (_NotText, KeyError):
        return None
    codes = tuple(node.code for node in data.nodes)
    return (FORMAT, codes, progress.as_of_week, progress.kgi, progress.ranking, progress.warnings, nodes)


def _decode(payload, item: LoadedTree) -> Progress | None:
    """The Progress kept in `payload` for the tree of `item` (whose packed entries it fills); None without one."""
    if payload is None or payload[0] != FORMAT:
        return None
    _format, codes, as_of_week, kgi, ranking, warnings, nodes = payload
    data = item.data
    if codes != tuple(node.code for node in data.nodes):
        return None  # not the nodes it was computed for: a key that lived through a database restore
    weeks = tuple(data.weeks)
    d = weeks.index(as_of_week) if weeks else -1
    results = {}
    packed = {}
    for node, stored in zip(data.nodes, nodes, strict=True):
        results[node.code] = _CachedNodeProgress.of(node, weeks, d, data.warning_threshold, stored)
        if stored[6] is not None:
            packed[node.code] = stored[6]
    item.packed = packed
    return Progress(
        tree=data.code,
        weeks=weeks,
        as_of_week=as_of_week,
        nodes=results,
        kgi=kgi,
        ranking=list(ranking),
        warnings=list(warnings),
    )


class _CachedNodeProgress(LazyNodeProgress):
    """A NodeProgress read back from the cache: its figures at once, its weekly series when first read.

    It equals the NodeProgress compute() gave (== compares every field), and pickles and copies as one.
    """

    __slots__ = ("_stored",)

    @classmethod
    def of(cls, node, weeks, d, threshold, stored):
        self = object.__new__(cls)
        object.__setattr__(self, "code", node.code)
        object.__setattr__(self, "node", node)
        for name, value in zip(_FIGURES, stored[0], strict=True):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_stored", (weeks, d, threshold, stored))
        return self

    def _fill(self):
        weeks, d, threshold, stored = self._stored
        _figures, weekly, reasons, projected, run_actual, run_forecast, packed = stored
        if packed is not None:  # a measured node: its weekly values are its entries
            entries = unpack(packed, {week.isoformat(): week for week in weeks})
            weekly = list(map(entries.get, weeks))
            reasons = [None if value is not None else engine.NO_ENTRY for value in weekly]
        else:
            weekly = _numbers(weekly)
            reasons = [_REASONS[letter] for letter in reasons]
        state = NodeState(
            weekly=weekly,
            reasons=reasons,
            projected=_projected(projected),
            run_actual=None if run_actual is None else _numbers(run_actual),
            run_forecast=None if run_forecast is None else _numbers(run_forecast),
        )
        rebuilt = engine.rebuild_node_progress(
            self.node,
            weeks,
            d,
            threshold,
            state,
            sensitivity=self.sensitivity,
            actual_reason=self.actual_reason,
            projection=self.projection,
            impact=(self.impact, self.impact_reason),
        )
        for name in _SERIES:
            NodeProgress.__dict__[name].__set__(self, getattr(rebuilt, name))
