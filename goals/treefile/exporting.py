"""Writing a tree file (docs/files.md "Tree file"): `export_tree(tree)` gives the dict, `dumps` the JSON text.

Exports list the active nodes linked to the KGI, parents first, siblings in their order. Numbers are
decimal strings without exponent or trailing zeros; absent values are null; `formula` is null for
measured nodes; `weights` are the stored decimal strings.
"""

import json
from datetime import date
from decimal import Decimal

from goals.formatting import plain
from goals.treefile.schema import WEEK_STARTS


def ordered_nodes(nodes):
    """Active nodes linked to the KGI, parents first and siblings by position: the order of a tree file.

    The tree walk of exports.
    """
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
    """The tree file of a tree, as a dict ready for json.dumps."""
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
                "breakdown": node.breakdown.strip() or None,
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
