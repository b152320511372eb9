"""Reading a decoded tree file: a TreeSpec, or every problem, by node code and key, in the user's language.

The shape is checked by the pydantic models of goals/treefile/schema.py, one node at a time, and
:func:`describe` turns each of pydantic's errors into our message. What the shape cannot see is checked
here, over the whole list: codes used twice, parents that come later or nowhere, one KGI, weights per
week of the period, recompute only on formula nodes, formulas over any node (no cycle) and breakdowns over
direct children.

Decisions where the format (docs/files.md "Tree file") is silent:
- The tree's owner department, maximum depth and previous tree, and a node's owner person and entry
  frequency, are not in the file: an import keeps them on an existing tree and its nodes.
- `weights` may be given on any node; the engine uses them for `sum` nodes only. They must be one number
  per week of the period, none negative, and not all zero.
- A measured node cannot have aggregation `recompute` (there is nothing to recompute).
- At most MAX_LISTED_ERRORS problems are listed; the summary counts them all.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from goals import periods
from goals.formatting import week_label
from goals.formulas import FormulaError
from goals.formulas.rules import TreeNode, check_breakdown, check_formula
from goals.models import Node
from goals.treefile.errors import FileError, TreeFileError, character_name, is_control, shown
from goals.treefile.schema import (
    CHOICES,
    MAX_DECIMAL_PLACES,
    MAX_NODES,
    MAX_SIGNIFICANT_DIGITS,
    MAX_WEIGHTS,
    NODE_KEYS,
    PERIOD_KEYS,
    TREE_KEYS,
    WEEK_STARTS,
    NodeFields,
    NodeShape,
    PeriodFields,
    PeriodShape,
    TreeFields,
    TreeShape,
    validate,
)

MAX_LISTED_ERRORS = 500


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
    breakdown: str = ""
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


# Messages


def describe(error, key, level, weeks=None) -> str:
    """Our message, in the user's language, for one pydantic error on `key` of the "tree", "period" or "node".

    `key` is "period.start" for a date of the period and "weight" for one item of a node's weights.
    """
    kind, value, context = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "string_unicode":  # a lone surrogate, which pydantic cannot read as text
        kind, context = "control_character", _first_unprintable(value)
    if kind == "extra_forbidden":
        what, keys = {
            "tree": (_("a tree"), TREE_KEYS),
            "period": (_("the period"), PERIOD_KEYS),
            "node": (_("a node"), NODE_KEYS),
        }[level]
        return _("“%(key)s” is not a key of %(what)s. The keys are: %(keys)s.") % {
            "key": shown(key),
            "what": what,
            "keys": ", ".join(keys),
        }
    if key == "period" and kind in ("missing", "model_type"):
        return _('Give the period as {"start": "2026-04-01", "end": "2027-03-31"}.')
    if key in ("period.start", "period.end"):
        if kind in ("missing", "date_required"):
            return _("This key is required. Add the date as YYYY-MM-DD, such as 2026-04-01.")
        return _("“%(value)s” is not a date. Write it as YYYY-MM-DD, such as 2026-04-01.") % {"value": shown(value)}
    if key == "nodes":
        if kind == "too_long":
            return _("A tree can have at most %(limit)s nodes.") % {"limit": MAX_NODES}
        return _('List the nodes: at least the KGI, as [{"code": ..., "parent": null}, ...].')
    if key == "parent" and kind != "control_character":
        if kind == "missing":
            return _("This key is required: the parent's code, or null for the KGI.")
        return _("Write the parent's code in double quotes, or null for the KGI.")
    if key == "weights":
        if kind == "too_long" and weeks is not None:
            return _weight_count_message(context["actual_length"], len(weeks))
        return _("Give the weights as a list of numbers, one per week, or null.")
    if kind == "missing" or (kind == "string_type" and value is None):
        return _("This key is required. Add it with a value.")
    if kind == "string_type":
        return _("Write it as text in double quotes.")
    if kind == "string_too_short":
        return _("It is empty. Write a value.")
    if kind == "string_too_long":
        return _("It is %(length)s characters long; at most %(limit)s are allowed.") % {
            "length": len(value.strip()),
            "limit": context["max_length"],
        }
    if kind == "string_pattern_mismatch" and level == "tree":
        return _(
            "“%(code)s” cannot be a tree code. Use lower-case letters, digits, - and _, such as fy2026-marketing."
        ) % {"code": shown(value.strip())}
    if kind == "string_pattern_mismatch":
        return _(
            "“%(code)s” cannot be a node code. Use lower-case letters, digits and _, starting with a letter, "
            "such as deals or win_rate."
        ) % {"code": shown(value.strip())}
    if kind == "control_character" and key in ("definition", "formula", "breakdown"):
        return (
            _(
                "It holds %(character)s at position %(position)s, which is not a printable character. Remove it: "
                "besides text, only tabs and line breaks may be used here."
            )
            % context
        )
    if kind == "control_character":
        return (
            _(
                "It holds %(character)s at position %(position)s, which is not a printable character. Remove it: "
                "this key is one line of text."
            )
            % context
        )
    if kind == "literal_error":
        return _("“%(value)s” is not one of the allowed values: %(choices)s.") % {
            "value": shown(value),
            "choices": ", ".join(CHOICES[key]),
        }
    if kind == "number_type":
        return _('“%(value)s” is not a number. Write a number or a decimal string, such as 120 or "0.5".') % {
            "value": shown(value)
        }
    if kind == "number_places":
        return _("“%(value)s” has more than %(count)s decimal places. Round it to %(count)s places or fewer.") % {
            "value": context["value"],
            "count": MAX_DECIMAL_PLACES,
        }
    if kind == "number_digits":
        return _("“%(value)s” has more than %(count)s digits. Use a number with at most %(count)s digits.") % {
            "value": context["value"],
            "count": MAX_SIGNIFICANT_DIGITS,
        }
    if kind == "percentage":
        return _("Give a percentage from 0 to 100, such as 90.")
    if kind == "negative":
        return _("“%(value)s” is negative. Weights are zero or more.") % context
    return _("“%(value)s” cannot be used here.") % {"value": shown(value)}


def _first_unprintable(text):
    text = text.strip() if isinstance(text, str) else ""
    position, char = next(((i, c) for i, c in enumerate(text, start=1) if is_control(c)), (1, "\ufffd"))
    return {"character": character_name(char), "position": position}


def _weight_count_message(count, weeks):
    return _("There are %(count)s weights, but the period has %(weeks)s weeks. Give one weight per week, or null.") % {
        "count": count,
        "weeks": weeks,
    }


def _weight_label(index, weeks):
    week = weeks[index] if weeks and index < len(weeks) else None
    if week:
        return _("weights, week %(number)s (%(week)s)") % {"number": index + 1, "week": week_label(week)}
    return _("weights, week %(number)s") % {"number": index + 1}


class _Problems:
    """The problems found so far; at most MAX_LISTED_ERRORS are kept, all are counted."""

    def __init__(self):
        self.errors = []
        self.count = 0

    def add(self, node, key, message):
        self.count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(FileError(node, key, message))

    def refuse(self):
        if self.count:
            raise TreeFileError(self.errors, self.count)


# Reading


def read_tree_file(data) -> TreeSpec:
    """Check a decoded tree file; a TreeSpec, or TreeFileError listing every error."""
    problems = _Problems()
    tree, errors = validate(TreeShape, TreeFields, data)
    if tree is None:
        raise TreeFileError([FileError(None, _("file"), _('A tree file is one JSON object: {"code": ..., ...}.'))])
    for error in errors:
        loc = error["loc"]
        if loc[0] == "period" and len(loc) > 1:
            key, level = (loc[1], "period") if error["type"] == "extra_forbidden" else (f"period.{loc[1]}", "tree")
        else:
            key, level = loc[0], "tree"
        problems.add(None, shown(key), describe(error, key, level))

    period = tree.period
    if period is None and isinstance(data.get("period"), dict):
        period, _errors = validate(PeriodShape, PeriodFields, data["period"])  # its errors are listed already
    period_start = period.start if period else None
    period_end = period.end if period else None
    if period_start and period_end and period_end < period_start:
        problems.add(None, "period.end", _("The period ends before it starts. Give an end on or after the start."))
        period_end = None
    which, problem = periods.period_problem(period_start, period_end)  # within 2000-2100, at most five years
    if problem:
        problems.add(None, f"period.{which}", problem)
        period_end = None
    week_start = WEEK_STARTS.index(tree.week_start or "monday")
    threshold = tree.warning_threshold if tree.warning_threshold is not None else Decimal(90)
    weeks = periods.period_weeks(period_start, period_end, week_start) if period_start and period_end else None
    nodes = _read_nodes(problems, tree.nodes, weeks) if tree.nodes else []
    problems.refuse()
    return TreeSpec(tree.code, tree.name, period_start, period_end, week_start, threshold, nodes)


def _read_nodes(problems, items, weeks):
    specs = []
    seen = {}  # code -> index in the list
    kgi = None
    for index, item in enumerate(items):
        raw_code = item.get("code") if isinstance(item, dict) else None
        where = shown(raw_code.strip()) if isinstance(raw_code, str) and raw_code.strip() else f"#{index + 1}"
        values, errors = validate(NodeShape, NodeFields, item)
        if values is None:
            problems.add(where, _("node"), _('A node is a JSON object: {"code": ..., "name": ..., "parent": ...}.'))
            continue
        for error in errors:
            key = error["loc"][0]
            if key == "weights" and len(error["loc"]) > 1:
                label, key = _weight_label(error["loc"][1], weeks), "weight"
            else:
                label = shown(key)
            problems.add(where, label, describe(error, key, "node", weeks))

        code = values.code or ""
        if not code and isinstance(raw_code, str):
            code = raw_code.strip()  # refused above, but still how the others name this node
        elif code in seen:
            problems.add(
                where,
                "code",
                _("Node %(number)s of the list has this code too. Give each node its own code.")
                % {"number": seen[code] + 1},
            )
        elif code:
            seen[code] = index

        parent = values.parent
        if "parent" in values.model_fields_set:
            if parent is None:
                if kgi is None:
                    kgi = code or where
                else:
                    problems.add(
                        where,
                        "parent",
                        _(
                            "This node has no parent, but %(kgi)s is already the KGI. A tree has one KGI: "
                            "give this node its parent's code."
                        )
                        % {"kgi": kgi},
                    )
            elif parent == code:
                problems.add(where, "parent", _("A node cannot be its own parent."))
            elif parent not in seen or seen[parent] >= index:
                later = any(isinstance(other, dict) and other.get("code") == parent for other in items[index + 1 :])
                if later:
                    message = _(
                        "“%(parent)s” comes after this node in the list. Put every parent before its children."
                    )
                else:
                    message = _("“%(parent)s” is not the code of any node before it in the file.")
                problems.add(where, "parent", message % {"parent": shown(parent)})

        weights = _weights(problems, where, item.get("weights"), values, weeks)
        formula = values.formula or ""
        if values.aggregation == Node.Aggregation.RECOMPUTE and not formula:
            problems.add(
                where,
                "aggregation",
                _("“recompute” is for formula nodes. Give this node a formula, or use sum, average or last."),
            )
        specs.append(
            NodeSpec(
                code=code,
                name=values.name or "",
                parent=parent,
                unit=values.unit or "",
                direction=values.direction or Node.Direction.HIGHER,
                aggregation=values.aggregation,
                formula=formula,
                breakdown=values.breakdown or "",
                target=values.target,
                stretch=values.stretch,
                baseline=values.baseline,
                department=values.department or None,
                definition=values.definition or "",
                weights=weights,
            )
        )

    if kgi is None:
        problems.add(
            None, "nodes", _("No node has parent null, so the tree has no KGI. Set the KGI's parent to null.")
        )
    _check_formulas(problems, specs)
    return specs


def _weights(problems, where, raw, values, weeks):
    """The node's weights once they fit the period's weeks; None (and a problem) when they do not."""
    if not isinstance(raw, list) or len(raw) > MAX_WEIGHTS:
        return None  # null, or already refused by its shape
    if weeks is not None and len(raw) != len(weeks):
        problems.add(where, "weights", _weight_count_message(len(raw), len(weeks)))
        return None
    if values.weights is None:
        return None  # some weeks were refused
    if not sum(values.weights, Decimal(0)) > 0:
        problems.add(
            where,
            "weights",
            _("The weights are all zero. Give at least one week a weight above zero, or use null to spread evenly."),
        )
        return None
    return list(values.weights)


def _check_formulas(problems, specs):
    """Formulas over any node of the file (no cycle), breakdowns over direct children of measured nodes, and the
    aggregation defaults of docs/numbers.md "Aggregation" (the same rules as the node form)."""
    every = {
        spec.code: TreeNode(spec.code, spec.name or spec.code, spec.parent, spec.formula, spec.breakdown)
        for spec in specs
        if spec.code
    }
    for spec in specs:
        if spec.breakdown:
            if spec.formula:
                problems.add(
                    spec.code or "?",
                    "breakdown",
                    _("A breakdown is for a measured node; this node has a formula. Use null for one of them."),
                )
            else:
                try:
                    check_breakdown(spec.breakdown, spec.code, spec.name or spec.code, every)
                except FormulaError as error:
                    problems.add(spec.code or "?", "breakdown", error.message)
        if not spec.formula:
            if spec.aggregation is None:
                percent = spec.unit.strip() in ("%", "％")
                spec.aggregation = Node.Aggregation.AVERAGE if percent else Node.Aggregation.SUM
            continue
        try:
            formula = check_formula(spec.formula, spec.code, spec.name or spec.code, every)
        except FormulaError as error:
            problems.add(spec.code or "?", "formula", error.message)
            spec.aggregation = spec.aggregation or Node.Aggregation.SUM
            continue
        if spec.aggregation is None:
            spec.aggregation = Node.Aggregation.RECOMPUTE if formula.divides else Node.Aggregation.SUM
