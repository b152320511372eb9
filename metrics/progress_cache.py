"""A tree's progress kept between requests in Django's cache (Redis in production, local memory in development).

`trees_progress(trees, as_of)` gives each tree's nodes (metrics.reports.LoadedTree) and progress
(metrics.engine.Progress) as the dashboards need them. It reads the trees' nodes in one query, and with them a
fingerprint of their entries; a tree whose progress is in the cache under that fingerprint is neither loaded
nor computed again. The others are loaded in one more query, computed and stored. `cached_progress(tree,
as_of)` is the same for one tree, returning what metrics.loading.progress_for_tree returns.

The key is a digest of everything the result depends on, so a stored result is never served for changed
data and nothing has to be deleted when data changes:
- the engine's whole input read from the nodes: the tree's period, weeks, threshold and every node of the
  tree as the engine sees it (metrics.engine.TreeData), with each node's id (entries belong to ids);
- for each active node of the tree, its latest entry id and its latest EntryChange id: every write of an
  entry goes through metrics.entries.set_entry, which records an EntryChange (grid, imports, the admin,
  restoring from the history), and entries created in bulk (load_demo, bench) raise the latest entry id;
- the as-of week, the code (`code_version`: engine, loading, translations) and the database's name (so a
  scratch database such as `make bench`'s never meets another's results in a shared Redis).
Node edits, archiving, restoring, moves, tree-file imports and tree settings all change the first part;
entry saves, imports and deletions the second.

What is stored is small and quick to read back: each node's figures (actual and target to date,
achievement, status, forecast, sensitivity…), and its weekly values as text; a node's weekly series
(NodeProgress.weeks and the cumulative lists) are rebuilt from them by the engine's own functions
(metrics.engine.rebuild_node_progress) only when a page reads them, so a dashboard reads back 200 nodes'
figures and one node's weeks. A result that cannot be stored as text (entries that are not Decimals, which
the database never gives) is simply not stored. When the cache fails (Redis down), pages compute as before.

Decisions: results are kept for a day (they are never wrong, only unused after a change); a formula error's
`EngineWarning.detail` is kept in the language of the request that computed it (pages word formula errors
from the node itself, never from it).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import OuterRef, Subquery

from goals.periods import clamp_week
from metrics import engine, reports
from metrics.engine import NodeProgress, NodeState, Progress, TreeData
from metrics.loading import default_as_of
from metrics.models import Entry, EntryChange
from metrics.reports import LoadedTree

ENGINE_VERSION = 1  # the format of what is stored (a change of the code changes code_version() by itself)
TIMEOUT = 24 * 60 * 60
KEY_PREFIX = "goaltree:progress"

logger = logging.getLogger(__name__)


@dataclass
class TreeProgress:
    loaded: LoadedTree
    progress: Progress
    key: str | None = None  # the cache key it is kept under; None when it cannot be kept


def trees_progress(trees, as_of, notes_for: set[str] | None = None) -> dict[int, TreeProgress]:
    """{tree pk: TreeProgress} at `as_of` (a date, or a function of the tree giving one).

    Queries: one for the nodes; one more for the entries when a tree is not in the cache; one for the notes
    of the `notes_for` codes (None: every code) when they are not read with the entries.
    """
    trees = list(trees)
    if not trees:
        return {}
    rows = list(_fingerprinted(reports.node_rows(trees)))
    loaded = reports.structures(trees, rows)
    entry_marks = {tree.pk: [] for tree in trees}
    for row in rows:
        entry_marks[row.tree_id].append((row.pk, row.fp_last_entry, row.fp_last_change))
    weeks = {}
    keys = {}
    for tree in trees:
        day = as_of(tree) if callable(as_of) else as_of
        weeks[tree.pk] = clamp_week(day, loaded[tree.pk].data.weeks, tree.week_start)
        keys[tree.pk] = _key(loaded[tree.pk], weeks[tree.pk], entry_marks[tree.pk])
    stored = _get_many(list(keys.values()))

    result = {}
    missing = []
    for tree in trees:
        item = loaded[tree.pk]
        progress = _decode(stored.get(keys[tree.pk]), item)
        if progress is None:
            missing.append(item)
        else:
            result[tree.pk] = TreeProgress(item, progress, keys[tree.pk])
    hits = [result[pk].loaded for pk in result]
    if missing:
        reports.read_entries(missing, notes_for)
        new = {}
        for item in missing:
            progress = engine.compute(item.data, item.entries, weeks[item.tree.pk])
            payload = _encode(progress, item.data)
            key = keys[item.tree.pk] if payload is not None else None
            result[item.tree.pk] = TreeProgress(item, progress, key)
            if key is not None:
                new[key] = payload
        _set_many(new)
    if hits and (notes_for is None or notes_for):
        reports.read_notes(hits, notes_for)
    return {tree.pk: result[tree.pk] for tree in trees}


def tree_progress(tree, as_of: date, notes_for: set[str] | None = None) -> TreeProgress:
    return trees_progress([tree], as_of, notes_for)[tree.pk]


def cached_progress(tree, as_of: date | None = None) -> tuple[Progress, TreeData]:
    """The tree's progress at `as_of` (default: the last complete week), as metrics.loading.progress_for_tree."""
    found = tree_progress(tree, as_of or default_as_of(tree), notes_for=set())
    return found.progress, found.loaded.data


# --- the key ---------------------------------------------------------------------------------------------


def _fingerprinted(rows):
    """The node rows with their entries' fingerprint: the latest entry id and the latest recorded change id.

    Two index lookups per node. Every change of an entry records an EntryChange; entries created without one
    (bulk loads) raise the latest entry id. (A count of entries would also catch a deletion made outside
    set_entry, as in a shell, but reads every entry's index row: it was most of this query's time.)
    """
    latest = Entry.objects.filter(node=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    change = EntryChange.objects.filter(node=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    return rows.annotate(fp_last_entry=Subquery(latest), fp_last_change=Subquery(change))


def _key(item: LoadedTree, as_of_week: date, entry_marks) -> str:
    ids = [(node.pk, node.code) for node in item.nodes]
    database = connection.settings_dict.get("NAME")
    parts = (ENGINE_VERSION, code_version(), database, as_of_week, item.data, ids, entry_marks)
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"{KEY_PREFIX}:{item.tree.pk}:{digest}"


@functools.cache
def code_version() -> str:
    """A digest of the application's Python code and compiled translations, read once per process.

    A deployment (or a development server reloading after a change) starts new processes, which then never
    read a result that older code computed or worded.
    """
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for folder in ("config", "goals", "metrics", "locale"):
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in (".py", ".mo") and path.is_file():
                digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def templates_version() -> str:
    """code_version() and when the project's templates last changed (templates change without a restart)."""
    stamps = []
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for root, _dirs, names in os.walk(folder):
            for name in names:
                stat = os.stat(os.path.join(root, name))
                stamps.append((root, name, stat.st_mtime_ns, stat.st_size))
    return code_version() + hashlib.sha256(repr(sorted(stamps)).encode()).hexdigest()[:16]


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
)
_SERIES = ("weeks", "cumulative_actual", "cumulative_target", "cumulative_stretch", "cumulative_forecast")


class _NotText(Exception):
    """A value that does not survive text: the result is not stored."""


def _text(values) -> str:
    """Decimals (and None) as text that _numbers reads back digit for digit, exponent and sign of zero included."""
    for value in values:
        if value is not None and (type(value) is not Decimal or not value.is_finite()):
            raise _NotText
    return "|".join(map(str, values))


def _numbers(text: str) -> list:
    if not text:
        return []
    parts = text.split("|")
    if "None" not in parts:
        return list(map(Decimal, parts))
    return [None if part == "None" else Decimal(part) for part in parts]


def _encode(progress: Progress, data: TreeData):
    """What the cache keeps of `progress` (computed from `data`); None when it cannot be kept."""
    d = progress.weeks.index(progress.as_of_week) if progress.weeks else -1
    nodes = []
    try:
        for node in data.nodes:
            result = progress.nodes[node.code]
            state = engine.node_state(result, d)
            weekly = _text(state.weekly)
            flags = "" if node.is_formula else "".join("0" if value is None else "1" for value in state.weekly)
            nodes.append(
                (
                    tuple(getattr(result, name) for name in _FIGURES),
                    weekly,
                    "".join(_REASON_LETTERS[reason] for reason in state.reasons),
                    _text([state.projected]),
                    None if state.run_actual is None else _text(state.run_actual),
                    None if state.run_forecast is None else _text(state.run_forecast),
                    flags,
                )
            )
    except (_NotText, KeyError):
        return None
    return (ENGINE_VERSION, progress.as_of_week, progress.kgi, progress.ranking, progress.warnings, nodes)


def _decode(payload, item: LoadedTree) -> Progress | None:
    """The Progress kept in `payload` for the tree of `item` (whose entry flags it fills); None without one."""
    if payload is None or payload[0] != ENGINE_VERSION:
        return None
    _version, as_of_week, kgi, ranking, warnings, nodes = payload
    data = item.data
    if len(nodes) != len(data.nodes):
        return None
    weeks = tuple(data.weeks)
    d = weeks.index(as_of_week) if weeks else -1
    results = {}
    flags = {}
    for node, stored in zip(data.nodes, nodes, strict=True):
        results[node.code] = _CachedNodeProgress.of(node, weeks, d, data.warning_threshold, stored)
        if not node.is_formula:
            flags[node.code] = stored[6]
    item.entry_flags = flags
    return Progress(
        tree=data.code,
        weeks=weeks,
        as_of_week=as_of_week,
        nodes=results,
        kgi=kgi,
        ranking=list(ranking),
        warnings=list(warnings),
    )


def _series_property(name):
    slot = NodeProgress.__dict__[name]  # the slot of the computed class, where the rebuilt series is kept

    def get(self):
        try:
            return slot.__get__(self, type(self))
        except AttributeError:
            self._rebuild()
            return slot.__get__(self, type(self))

    return property(get, doc=f"NodeProgress.{name}, rebuilt when first read.")


class _CachedNodeProgress(NodeProgress):
    """A NodeProgress read back from the cache: its figures at once, its weekly series when first read.

    It equals the NodeProgress compute() gave (== compares every field), and pickles and copies as one.
    """

    __slots__ = ("_stored",)

    weeks = _series_property("weeks")
    cumulative_actual = _series_property("cumulative_actual")
    cumulative_target = _series_property("cumulative_target")
    cumulative_stretch = _series_property("cumulative_stretch")
    cumulative_forecast = _series_property("cumulative_forecast")

    @classmethod
    def of(cls, node, weeks, d, threshold, stored):
        self = object.__new__(cls)
        object.__setattr__(self, "code", node.code)
        object.__setattr__(self, "node", node)
        for name, value in zip(_FIGURES, stored[0], strict=True):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_stored", (weeks, d, threshold, stored))
        return self

    def _rebuild(self):
        weeks, d, threshold, stored = self._stored
        _figures, weekly, reasons, projected, run_actual, run_forecast, _flags = stored
        state = NodeState(
            weekly=_numbers(weekly),
            reasons=[_REASONS[letter] for letter in reasons],
            projected=_numbers(projected)[0],
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
        )
        for name in _SERIES:
            NodeProgress.__dict__[name].__set__(self, getattr(rebuilt, name))

    def _fields(self):
        return tuple(getattr(self, item.name) for item in fields(NodeProgress))

    def __eq__(self, other):
        if not isinstance(other, NodeProgress):
            return NotImplemented
        return self._fields() == tuple(getattr(other, item.name) for item in fields(NodeProgress))

    __hash__ = NodeProgress.__hash__

    def __reduce__(self):
        return NodeProgress, self._fields()

    def __repr__(self):
        return repr(NodeProgress(*self._fields()))
