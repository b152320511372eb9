"""Tree files (DESIGN.md "Files"): reading, checking and writing them, tree templates, and copying a tree.

- `read_tree_file(data)` checks a decoded tree file and returns a `TreeSpec`, or raises `TreeFileError`
  listing every error by node code and key. `loads(text)` decodes the JSON first (numbers as Decimal).
- `import_tree(data, user)` creates the tree, or replaces the structure of the tree with that code, in
  one transaction. `export_tree(tree)` writes the file as a dict; `dumps` makes it JSON text.
- Templates are tree files in goals/tree_templates/; `list_templates()` reads the folder, so adding a
  template needs no code. `create_tree_from_template(...)` builds a tree from one for a chosen period.
- `copy_tree(tree, ...)` builds the next period's tree: structure, definitions and targets carried over,
  the baselines set from the old period's actuals.

Decisions where DESIGN.md is silent:
- Keys other than those of DESIGN.md are refused (a misspelt "targt" would otherwise drop a target
  silently). The tree's owner department, maximum depth and previous tree, and a node's owner person
  and entry frequency, are not in the file: an import keeps them on an existing tree and its nodes.
- Numbers: JSON numbers or decimal strings (`"120000000"`, `"-0.5"`; no grouping, units or exponents),
  with at most 15 significant digits and 6 decimal places, like typed values. `warning_threshold`
  is from 0 to 100. `week_start` is a day name in English, lower case (`monday` ... `sunday`).
- `weights` may be given on any node; the engine uses them for `sum` nodes only. They must be one number
  per week of the period, none negative, and not all zero.
- A measured node cannot have aggregation `recompute` (there is nothing to recompute).
- Importing over an existing tree: nodes are matched by code and updated in place (so their entries,
  comments and history stay); a code that only an archived node has brings that node back; nodes missing
  from the file are archived when they have entries, entry history, comments or initiatives, or nodes
  archived below them, and deleted otherwise. Positions follow the file's order.
- History: the tree and every created or changed node get an `import` record with the changed fields
  (`parent` included); nodes taken out get an `archive` or `delete` record.
- Exports list the active nodes linked to the KGI, parents first, siblings in their order. Numbers are
  decimal strings without exponent or trailing zeros; absent values are null; `formula` is null for
  measured nodes; `weights` are the stored decimal strings.
"""

import json
import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from goals import history, periods
from goals.formatting import plain, week_label
from goals.formulas import FormulaError, check
from goals.models import ChangeAction, Comment, Department, Node, Tree

TEMPLATE_DIR = Path(__file__).resolve().parent / "tree_templates"
WEEK_STARTS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TREE_KEYS = ("code", "name", "period", "week_start", "warning_threshold", "nodes")
PERIOD_KEYS = ("start", "end")
NODE_KEYS = (
    "code",
    "name",
    "parent",
    "unit",
    "direction",
    "aggregation",
    "formula",
    "target",
    "stretch",
    "baseline",
    "department",
    "definition",
    "weights",
)
MAX_NODES = 1000
MAX_SIGNIFICANT_DIGITS = 15
MAX_DECIMAL_PLACES = 6
TREE_CODE_RE = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
NODE_CODE_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
DECIMAL_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?\Z")
DIRECTIONS = tuple(Node.Direction.values)
AGGREGATIONS = tuple(Node.Aggregation.values)


# Errors


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
    """The file was refused whole; `errors` lists every problem found."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))

    @property
    def summary(self):
        count = len(self.errors)
        return ngettext(
            "The tree file was not imported: it has %(count)s problem, so nothing was saved.",
            "The tree file was not imported: it has %(count)s problems, so nothing was saved.",
            count,
        ) % {"count": count}

    def report(self):
        """The summary and every error, one per line, for a command's output."""
        return "\n".join([self.summary, *(f"- {error}" for error in self.errors)])


# What a checked file holds


@dataclass
class NodeSpec:
    code: str
    name: str
    parent: str | None
    unit: str = ""
    direction: str = Node.Direction.HIGHER
    aggregation: str = Node.Aggregation.SUM
    formula: str = ""
    target: Decimal | None = None
    stretch: Decimal | None = None
    baseline: Decimal | None = None
    department: str | None = None
    definition: str = ""
    weights: list[Decimal] | None = None


@dataclass
class TreeSpec:
    code: str
    name: str
    period_start: date
    period_end: date
    week_start: int
    warning_threshold: Decimal
    nodes: list[NodeSpec] = field(default_factory=list)


@dataclass
class ImportSummary:
    created: bool = False  # the tree itself
    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_unchanged: int = 0
    nodes_archived: int = 0
    nodes_deleted: int = 0


# Reading


def loads(text) -> dict:
    """Decode a tree file's JSON (bytes or str, UTF-8 with or without BOM), numbers as Decimal."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TreeFileError(
                [FileError(None, _("file"), _("The file is not UTF-8 text. Save it as UTF-8 JSON and try again."))]
            ) from None
    text = text.removeprefix("\ufeff")

    def refuse_constant(name):
        raise ValueError(name)

    try:
        return json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        message = _("The file is not JSON: %(error)s at line %(line)s, column %(column)s.") % {
            "error": error.msg,
            "line": error.lineno,
            "column": error.colno,
        }
        raise TreeFileError([FileError(None, _("file"), message)]) from None
    except ValueError as error:
        message = _("“%(value)s” is not a number. Write numbers with digits, such as 120.") % {"value": error}
        raise TreeFileError([FileError(None, _("file"), message)]) from None


class _Checker:
    def __init__(self):
        self.errors = []

    def add(self, node, key, message):
        self.errors.append(FileError(node, key, message))

    def text(self, where, key, value, *, required=False, max_length=None, default=""):
        if value is None:
            if required:
                self.add(where, key, _("This key is required. Add it with a value."))
            return default
        if not isinstance(value, str):
            self.add(where, key, _("Write it as text in double quotes."))
            return default
        value = value.strip()
        if required and not value:
            self.add(where, key, _("It is empty. Write a value."))
        if max_length is not None and len(value) > max_length:
            self.add(
                where,
                key,
                _("It is %(length)s characters long; at most %(limit)s are allowed.")
                % {"length": len(value), "limit": max_length},
            )
        return value

    def number(self, where, key, value, label=None):
        """A Decimal from a JSON number or a decimal string; None for null; an error otherwise."""
        label = label or key
        if value is None:
            return None
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
            shown = value if isinstance(value, str) else json.dumps(value, default=str)
            self.add(
                where,
                key,
                _('“%(value)s” is not a number. Write a number or a decimal string, such as 120 or "0.5".')
                % {"value": shown},
            )
            return None
        digits, exponent = _digits(number)
        if exponent > MAX_DECIMAL_PLACES:
            self.add(
                where,
                key,
                _("“%(value)s” has more than %(count)s decimal places. Round it to %(count)s places or fewer.")
                % {"value": plain(number), "count": MAX_DECIMAL_PLACES},
            )
            return None
        if digits > MAX_SIGNIFICANT_DIGITS or number.adjusted() >= MAX_SIGNIFICANT_DIGITS:
            self.add(
                where,
                key,
                _("“%(value)s” has more than %(count)s digits. Use a number with at most %(count)s digits.")
                % {"value": plain(number), "count": MAX_SIGNIFICANT_DIGITS},
            )
            return None
        return number + 0  # normalises -0 to 0

    def choice(self, where, key, value, choices, default):
        if value is None:
            return default
        if value not in choices:
            self.add(
                where,
                key,
                _("“%(value)s” is not one of the allowed values: %(choices)s.")
                % {"value": value, "choices": ", ".join(choices)},
            )
            return default
        return value

    def unknown_keys(self, where, data, allowed, what):
        for key in data:
            if key not in allowed:
                self.add(
                    where,
                    str(key),
                    _("“%(key)s” is not a key of %(what)s. The keys are: %(keys)s.")
                    % {"key": key, "what": what, "keys": ", ".join(allowed)},
                )


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


def _date(checker, key, value):
    if value is None:
        checker.add(None, key, _("This key is required. Add the date as YYYY-MM-DD, such as 2026-04-01."))
        return None
    try:
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        shown = value if isinstance(value, str) else json.dumps(value, default=str)
        checker.add(
            None, key, _("“%(value)s” is not a date. Write it as YYYY-MM-DD, such as 2026-04-01.") % {"value": shown}
        )
        return None


def read_tree_file(data) -> TreeSpec:
    """Check a decoded tree file; a TreeSpec, or TreeFileError listing every error."""
    checker = _Checker()
    if not isinstance(data, dict):
        raise TreeFileError([FileError(None, _("file"), _('A tree file is one JSON object: {"code": ..., ...}.'))])
    checker.unknown_keys(None, data, TREE_KEYS, _("a tree"))

    code = checker.text(None, "code", data.get("code"), required=True, max_length=60)
    if code and not TREE_CODE_RE.match(code):
        checker.add(
            None,
            "code",
            _("“%(code)s” cannot be a tree code. Use lower-case letters, digits, - and _, such as fy2026-marketing.")
            % {"code": code},
        )
    name = checker.text(None, "name", data.get("name"), required=True, max_length=200)

    period_start = period_end = None
    period = data.get("period")
    if not isinstance(period, dict):
        checker.add(None, "period", _('Give the period as {"start": "2026-04-01", "end": "2027-03-31"}.'))
    else:
        checker.unknown_keys(None, period, PERIOD_KEYS, _("the period"))
        period_start = _date(checker, "period.start", period.get("start"))
        period_end = _date(checker, "period.end", period.get("end"))
        if period_start and period_end and period_end < period_start:
            checker.add(None, "period.end", _("The period ends before it starts. Give an end on or after the start."))
            period_end = None

    week_start_name = checker.choice(None, "week_start", data.get("week_start"), WEEK_STARTS, "monday")
    week_start = WEEK_STARTS.index(week_start_name)
    threshold = checker.number(None, "warning_threshold", data.get("warning_threshold"))
    if threshold is None:
        threshold = Decimal(90)
    elif not Decimal(0) <= threshold <= Decimal(100):
        checker.add(None, "warning_threshold", _("Give a percentage from 0 to 100, such as 90."))

    weeks = periods.period_weeks(period_start, period_end, week_start) if period_start and period_end else None
    nodes = _read_nodes(checker, data.get("nodes"), weeks)
    if checker.errors:
        raise TreeFileError(checker.errors)
    return TreeSpec(code, name, period_start, period_end, week_start, threshold, nodes)


def _read_nodes(checker, items, weeks):
    if not isinstance(items, list) or not items:
        checker.add(None, "nodes", _('List the nodes: at least the KGI, as [{"code": ..., "parent": null}, ...].'))
        return []
    if len(items) > MAX_NODES:
        checker.add(None, "nodes", _("A tree can have at most %(limit)s nodes.") % {"limit": MAX_NODES})
        return []

    specs = []
    seen = {}  # code -> index in the list
    kgi = None
    for index, item in enumerate(items):
        where = f"#{index + 1}"
        if not isinstance(item, dict):
            checker.add(where, _("node"), _('A node is a JSON object: {"code": ..., "name": ..., "parent": ...}.'))
            continue
        raw_code = item.get("code")
        if isinstance(raw_code, str) and raw_code.strip():
            where = raw_code.strip()
        checker.unknown_keys(where, item, NODE_KEYS, _("a node"))
        code = checker.text(where, "code", raw_code, required=True, max_length=50)
        if code and not NODE_CODE_RE.match(code):
            checker.add(
                where,
                "code",
                _(
                    "“%(code)s” cannot be a node code. Use lower-case letters, digits and _, starting with a letter, "
                    "such as deals or win_rate."
                )
                % {"code": code},
            )
        elif code in seen:
            checker.add(
                where,
                "code",
                _("Node %(number)s of the list has this code too. Give each node its own code.")
                % {"number": seen[code] + 1},
            )
        elif code:
            seen[code] = index

        name = checker.text(where, "name", item.get("name"), required=True, max_length=200)
        if "parent" not in item:
            checker.add(where, "parent", _("This key is required: the parent's code, or null for the KGI."))
            parent = None
        else:
            parent = item["parent"]
            if parent is not None and not isinstance(parent, str):
                checker.add(where, "parent", _("Write the parent's code in double quotes, or null for the KGI."))
                parent = None
            elif parent is None:
                if kgi is None:
                    kgi = code or where
                else:
                    checker.add(
                        where,
                        "parent",
                        _(
                            "This node has no parent, but %(kgi)s is already the KGI. A tree has one KGI: "
                            "give this node its parent's code."
                        )
                        % {"kgi": kgi},
                    )
            elif parent == code:
                checker.add(where, "parent", _("A node cannot be its own parent."))
            elif parent not in seen or seen[parent] >= index:
                later = any(isinstance(other, dict) and other.get("code") == parent for other in items[index + 1 :])
                if later:
                    message = _(
                        "“%(parent)s” comes after this node in the list. Put every parent before its children."
                    )
                else:
                    message = _("“%(parent)s” is not the code of any node before it in the file.")
                checker.add(where, "parent", message % {"parent": parent})

        unit = checker.text(where, "unit", item.get("unit"), max_length=30)
        direction = checker.choice(where, "direction", item.get("direction"), DIRECTIONS, Node.Direction.HIGHER)
        formula = checker.text(where, "formula", item.get("formula"), max_length=500)
        aggregation = checker.choice(where, "aggregation", item.get("aggregation"), AGGREGATIONS, None)
        target = checker.number(where, "target", item.get("target"))
        stretch = checker.number(where, "stretch", item.get("stretch"))
        baseline = checker.number(where, "baseline", item.get("baseline"))
        department = checker.text(where, "department", item.get("department"), max_length=100) or None
        definition = checker.text(where, "definition", item.get("definition"))
        weights = _read_weights(checker, where, item.get("weights"), weeks)
        if aggregation == Node.Aggregation.RECOMPUTE and not formula:
            checker.add(
                where,
                "aggregation",
                _("“recompute” is for formula nodes. Give this node a formula, or use sum, average or last."),
            )
        specs.append(
            NodeSpec(
                code=code,
                name=name,
                parent=parent,
                unit=unit,
                direction=direction,
                aggregation=aggregation,
                formula=formula,
                target=target,
                stretch=stretch,
                baseline=baseline,
                department=department,
                definition=definition,
                weights=weights,
            )
        )

    if kgi is None:
        checker.add(None, "nodes", _("No node has parent null, so the tree has no KGI. Set the KGI's parent to null."))
    _check_formulas(checker, specs)
    return specs


def _read_weights(checker, where, value, weeks):
    if value is None:
        return None
    if not isinstance(value, list):
        checker.add(where, "weights", _("Give the weights as a list of numbers, one per week, or null."))
        return None
    numbers = []
    for index, item in enumerate(value):
        week = weeks[index] if weeks and index < len(weeks) else None
        label = (
            _("weights, week %(number)s (%(week)s)") % {"number": index + 1, "week": week_label(week)}
            if week
            else _("weights, week %(number)s") % {"number": index + 1}
        )
        number = checker.number(where, label, item)
        if number is not None and number < 0:
            checker.add(
                where, label, _("“%(value)s” is negative. Weights are zero or more.") % {"value": plain(number)}
            )
            number = None
        numbers.append(number)
    if weeks is not None and len(value) != len(weeks):
        checker.add(
            where,
            "weights",
            _("There are %(count)s weights, but the period has %(weeks)s weeks. Give one weight per week, or null.")
            % {"count": len(value), "weeks": len(weeks)},
        )
        return None
    if any(number is None for number in numbers):
        return None
    if not sum(numbers, Decimal(0)) > 0:
        checker.add(
            where,
            "weights",
            _("The weights are all zero. Give at least one week a weight above zero, or use null to spread evenly."),
        )
        return None
    return numbers


def _check_formulas(checker, specs):
    children = {}
    for spec in specs:
        if spec.parent:
            children.setdefault(spec.parent, {})[spec.code] = spec.name or spec.code
    for spec in specs:
        if not spec.formula:
            if spec.aggregation is None:
                spec.aggregation = Node.Aggregation.SUM
            continue
        try:
            formula = check(spec.formula, children.get(spec.code, {}), spec.name or spec.code)
        except FormulaError as error:
            checker.add(spec.code or "?", "formula", error.message)
            spec.aggregation = spec.aggregation or Node.Aggregation.SUM
            continue
        if spec.aggregation is None:
            spec.aggregation = Node.Aggregation.RECOMPUTE if formula.divides else Node.Aggregation.SUM


# Importing


def import_tree(data, user=None, *, department=None, replace=True) -> Tree:
    """Create the tree of a tree file, or replace the structure of the tree with its code; all or nothing.

    `data` is the decoded file (a dict) or a TreeSpec. `department` becomes a new tree's owner department.
    With replace=False an existing code is an error. The returned tree carries `import_summary`.
    """
    spec = data if isinstance(data, TreeSpec) else read_tree_file(data)
    summary = ImportSummary()
    with transaction.atomic(), history.recorded_as(user, ChangeAction.IMPORT):
        tree = Tree.objects.select_for_update().filter(code=spec.code).first()
        if tree is not None and not replace:
            raise TreeFileError(
                [
                    FileError(
                        None,
                        "code",
                        _("A tree with the code “%(code)s” already exists. Choose another code.")
                        % {"code": spec.code},
                    )
                ]
            )
        departments = _departments(spec)
        if tree is None:
            tree = Tree.objects.create(
                code=spec.code,
                name=spec.name,
                department=department,
                period_start=spec.period_start,
                period_end=spec.period_end,
                week_start=spec.week_start,
                warning_threshold=spec.warning_threshold,
            )
            summary.created = True
        else:
            tree.name = spec.name
            tree.period_start, tree.period_end = spec.period_start, spec.period_end
            tree.week_start = spec.week_start
            tree.warning_threshold = spec.warning_threshold
            tree.version += 1
            tree.save()
            tree.__dict__.pop("weeks", None)
        _replace_nodes(tree, spec, departments, user, summary)
        Tree.bump_data_version(tree.pk)
    tree.import_summary = summary
    return tree


def _departments(spec):
    names = {node.department for node in spec.nodes if node.department}
    found = {department.name: department for department in Department.objects.filter(name__in=names)}
    for name in sorted(names - set(found)):
        found[name] = Department.objects.create(name=name)
    return found


def _replace_nodes(tree, spec, departments, user, summary):
    now = timezone.now()
    existing = list(tree.nodes.select_related("department", "owner").order_by("pk"))
    active = {node.code: node for node in existing if node.archived_at is None}
    archived = {}
    for node in sorted((n for n in existing if n.archived_at is not None), key=lambda n: (n.archived_at, n.pk)):
        archived[node.code] = node  # the latest archived node of each code
    code_of = {node.pk: node.code for node in existing}
    before = {node.pk: _node_snapshot(node, code_of.get(node.parent_id, "")) for node in existing}

    # Take every active node out first, so that the one-KGI and unique-code rules hold at every step while
    # nodes are put back in the file's order (parents first).
    tree.nodes.filter(archived_at__isnull=True).update(archived_at=now)
    saved = {}
    sibling_count = {}
    for spec_node in spec.nodes:
        node = active.get(spec_node.code) or archived.get(spec_node.code)
        is_new = node is None
        if is_new:
            node = Node(tree=tree)
        position = sibling_count.get(spec_node.parent, 0)
        sibling_count[spec_node.parent] = position + 1
        node.code = spec_node.code
        node.name = spec_node.name
        node.parent = saved[spec_node.parent] if spec_node.parent else None
        node.unit = spec_node.unit
        node.direction = spec_node.direction
        node.aggregation = spec_node.aggregation
        node.formula = spec_node.formula
        node.target = spec_node.target
        node.stretch = spec_node.stretch
        node.baseline = spec_node.baseline
        node.department = departments.get(spec_node.department) if spec_node.department else None
        node.definition = spec_node.definition
        node.weights = [plain(weight) for weight in spec_node.weights] if spec_node.weights is not None else None
        node.position = position
        node.archived_at = None
        changes = history.diff({} if is_new else before[node.pk], _node_snapshot(node, spec_node.parent or ""))
        if changes and not is_new:
            node.version += 1
        if changes:
            node._history_changes = changes
        else:
            node.skip_history_when_saving = True  # taken out and put back as it was: no change
        node.save()
        saved[spec_node.code] = node
        if is_new:
            summary.nodes_created += 1
        elif changes:
            summary.nodes_updated += 1
        else:
            summary.nodes_unchanged += 1

    removed = [node for node in active.values() if node.code not in saved]
    if removed:
        _remove(tree, removed, user, summary, now)


def _node_snapshot(node, parent_code):
    """What history compares for an imported node: its fields, its parent's code, weights and archiving."""
    return {
        **history.snapshot(node),
        "parent": parent_code,
        "weights": ", ".join(str(weight) for weight in node.weights) if isinstance(node.weights, list) else "",
        "archived_at": history.value_text(node, "archived_at"),
    }


def _remove(tree, removed, user, summary, now):
    """Archive the nodes taken out of the tree that hold anything; delete the others."""
    from metrics.models import Entry, EntryChange

    ids = {node.pk for node in removed}
    keep = set(Entry.objects.filter(node_id__in=ids).values_list("node_id", flat=True))
    keep |= set(EntryChange.objects.filter(node_id__in=ids).values_list("node_id", flat=True))
    keep |= set(Comment.objects.filter(node_id__in=ids).values_list("node_id", flat=True))
    keep |= set(Node.initiatives.through.objects.filter(node_id__in=ids).values_list("node_id", flat=True))
    children = {}
    for child_id, parent_id in Node.objects.filter(parent_id__in=ids).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(child_id)

    def holds_something(pk):
        if pk in keep:
            return True
        # A child that is not being removed now was archived before: it keeps its parent.
        return any(child not in ids or holds_something(child) for child in children.get(pk, []))

    doomed = []
    for node in removed:
        if holds_something(node.pk):
            summary.nodes_archived += 1
            with history.recorded_as(user, ChangeAction.ARCHIVE):
                node.archived_at = now  # archived with the others above; saved again so that its history has it
                node.save(update_fields=["archived_at", "updated_at"])
        else:
            summary.nodes_deleted += 1
            doomed.append(node.pk)
    if doomed:
        Node.objects.filter(pk__in=doomed).delete()


# Writing


def ordered_nodes(nodes):
    """Active nodes linked to the KGI, parents first and siblings by position: the order of a tree file."""
    active = [node for node in nodes if node.archived_at is None]
    children = {}
    for node in sorted(active, key=lambda n: (n.position, n.pk)):
        children.setdefault(node.parent_id, []).append(node)
    ordered = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(children.get(node.pk, [])))
    return ordered


def export_tree(tree) -> dict:
    """The tree file of a tree (DESIGN.md "Files"), as a dict ready for json.dumps."""
    nodes = ordered_nodes(tree.nodes.active().select_related("department"))
    code_of = {node.pk: node.code for node in nodes}
    return {
        "code": tree.code,
        "name": tree.name,
        "period": {"start": tree.period_start.isoformat(), "end": tree.period_end.isoformat()},
        "week_start": WEEK_STARTS[tree.week_start],
        "warning_threshold": plain(tree.warning_threshold),
        "nodes": [
            {
                "code": node.code,
                "name": node.name,
                "parent": code_of.get(node.parent_id) if node.parent_id else None,
                "unit": node.unit,
                "direction": node.direction,
                "aggregation": node.aggregation,
                "formula": node.formula.strip() or None,
                "target": _number_text(node.target),
                "stretch": _number_text(node.stretch),
                "baseline": _number_text(node.baseline),
                "department": node.department.name if node.department_id else None,
                "definition": node.definition,
                "weights": [_number_text(Decimal(str(weight))) for weight in node.weights]
                if isinstance(node.weights, list)
                else None,
            }
            for node in nodes
        ],
    }


def _number_text(value):
    return plain(value) if value is not None else None


def dumps(data) -> str:
    """JSON text of a tree file: UTF-8 (Japanese as is), two-space indent, numbers as strings."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n"


def _json_default(value):
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# Templates


@dataclass(frozen=True)
class TreeTemplate:
    """A template file in goals/tree_templates/: `key` is its file name without .json."""

    key: str
    name: str
    kgi: str
    node_count: int
    departments: tuple[str, ...]


def list_templates() -> list[TreeTemplate]:
    """The templates in the folder, by file name; files that are not readable tree files are left out."""
    templates = []
    for path in sorted(TEMPLATE_DIR.glob("*.json")):
        try:
            data = loads(path.read_bytes())
            spec = read_tree_file(data)
        except (OSError, TreeFileError):
            continue
        kgi = next(node for node in spec.nodes if node.parent is None)
        departments = tuple(dict.fromkeys(node.department for node in spec.nodes if node.department))
        templates.append(TreeTemplate(path.stem, spec.name, kgi.name, len(spec.nodes), departments))
    return templates


def load_template(key) -> dict:
    """The decoded template file `key` (a name from list_templates); LookupError when there is none."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", key or ""):
        raise LookupError(key)
    path = TEMPLATE_DIR / f"{key}.json"
    if not path.is_file():
        raise LookupError(key)
    return loads(path.read_bytes())


def create_tree_from_template(template_name, code, name, period_start, period_end, user=None, department=None) -> Tree:
    """A new tree built from a template for the chosen period; TreeFileError when the code is taken.

    The template's own code, name and period are placeholders: they are replaced. Its weights are kept
    only when they fit the chosen period's weeks.
    """
    data = load_template(template_name)
    data["code"] = code
    data["name"] = name
    data["period"] = {"start": period_start.isoformat(), "end": period_end.isoformat()}
    week_start = WEEK_STARTS.index(data.get("week_start") or "monday") if data.get("week_start") in WEEK_STARTS else 0
    week_count = len(periods.period_weeks(period_start, period_end, week_start))
    for node in data.get("nodes") or []:
        if isinstance(node, dict) and isinstance(node.get("weights"), list) and len(node["weights"]) != week_count:
            node["weights"] = None
    return import_tree(data, user, department=department, replace=False)


# Copying a tree to the next period


def next_period(start: date, end: date) -> tuple[date, date]:
    """The period right after [start, end] of the same length: in whole months when it is whole months."""
    new_start = end + timedelta(days=1)
    if start.day == 1 and end.day == monthrange(end.year, end.month)[1]:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        index = new_start.year * 12 + new_start.month - 1 + months - 1
        year, month = divmod(index, 12)
        return new_start, date(year, month + 1, monthrange(year, month + 1)[1])
    return new_start, new_start + (end - start)


def next_names(tree, period_start: date) -> tuple[str, str]:
    """A suggested code and name for the copy: the year moved on where it appears, else a suffix."""
    old_year, new_year = str(tree.period_start.year), str(period_start.year)
    code, name = tree.code, tree.name
    if old_year != new_year and old_year in code:
        code = code.replace(old_year, new_year)
    else:
        code = f"{tree.code}-{period_start:%Y%m}"
    if old_year != new_year and old_year in name:
        name = name.replace(old_year, new_year)
    else:
        name = pgettext("copied tree name", "%(name)s (from %(start)s)") % {
            "name": tree.name,
            "start": period_start.isoformat(),
        }
    code = code[:60]
    taken = set(Tree.objects.filter(code__startswith=code[:50]).values_list("code", flat=True))
    suffix = 2
    candidate = code
    while candidate in taken:
        candidate = f"{code[:56]}-{suffix}"
        suffix += 1
    return candidate, name[:200]


def copy_tree(tree, code, name, period_start, period_end, user=None) -> Tree:
    """The next period's tree: structure, definitions, targets and owners carried over; `previous` = tree.

    Each node's baseline is its actual over the old period (metrics.engine, as of the old period's end;
    null where it has none). Seasonality weights are carried only when the new period has as many weeks.
    TreeFileError when the code is taken or the copy does not make a valid tree file.
    """
    from metrics.engine import compute
    from metrics.loading import decimal_string, load_tree_data

    data = export_tree(tree)
    tree_data, entries = load_tree_data(tree)
    progress = compute(tree_data, entries, tree.period_end)
    same_weeks = len(periods.period_weeks(period_start, period_end, tree.week_start)) == len(tree.weeks)
    for node in data["nodes"]:
        result = progress.nodes.get(node["code"])
        node["baseline"] = decimal_string(result.actual_to_date) if result is not None else None
        if not same_weeks:
            node["weights"] = None
    data["code"], data["name"] = code, name
    data["period"] = {"start": period_start.isoformat(), "end": period_end.isoformat()}
    with transaction.atomic():
        copy = import_tree(data, user, department=tree.department, replace=False)
        copy.previous = tree
        copy.max_depth = tree.max_depth
        copy.save(update_fields=["previous", "max_depth", "updated_at"])
        old = {node.code: node for node in tree.nodes.active()}
        for node in copy.nodes.all():
            source = old.get(node.code)
            if source is not None and (source.owner_id, source.frequency) != (node.owner_id, node.frequency):
                node.owner_id, node.frequency = source.owner_id, source.frequency
                node.save(update_fields=["owner", "frequency", "updated_at"])
    return copy
