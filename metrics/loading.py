"""From the database to the progress engine and back out: plain data in, JSON and CSV out.

`load_tree_data(tree)` reads a tree's active nodes and their entries in two queries, whatever the tree's
size, into the engine's plain data (metrics.engine.TreeData and entries by node code and week).
`progress_for_tree(tree, as_of)` does that and runs the engine. `progress_to_json` and `progress_to_csv`
write the result in the "Progress" (docs/files.md) contract and its CSV twin.

CSV form (one row per node per week, nodes in tree order, weeks in order; the node's summary repeated on
each of its rows so that a pivot table or a filter needs no join):
`tree,node,week,actual,target,as_of_week,actual_to_date,target_to_date,achievement,status,forecast,sensitivity`
Numbers as in the JSON (decimal strings, at most 6 decimal places), empty where the JSON has null.

Decisions where docs/numbers.md leaves a choice:
- Only nodes reachable from the active KGI through active parents are included, in tree order (parents
  first, siblings by position): goals.outline.tree_order; a node whose parent is archived is left out with its
  subtree.
- Entries outside the period's weeks are not read. Stored seasonality weights that are not numbers are
  passed on as an empty tuple, so the engine warns and spreads the target evenly.
- Numbers with more than 6 decimal places are rounded half up to 6; trailing zeros are dropped.
- The default "as of" date is the last complete week (Tree.last_complete_week: the week before the one
  holding today in the site's zone), clamped by the engine to the period.
"""

import csv
import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from goals import outline
from goals.formatting import plain
from metrics.engine import SIX_PLACES, NodeData, Progress, TreeData, compute
from metrics.models import Entry

CSV_COLUMNS = [
    "tree",
    "node",
    "week",
    "actual",
    "target",
    "as_of_week",
    "actual_to_date",
    "target_to_date",
    "achievement",
    "status",
    "forecast",
    "sensitivity",
]


def load_tree_data(tree) -> tuple[TreeData, dict[str, dict[date, Decimal]]]:
    """The tree as the engine's plain data, and its measured nodes' entries: {code: {week: value}}."""
    nodes = outline.ordered(tree.nodes.active())
    data = tree_data(tree, nodes)
    code_of = {node.pk: node.code for node in nodes if node.is_measured}
    entries = {code: {} for code in code_of.values()}
    if data.weeks:
        rows = Entry.objects.filter(
            node__tree=tree, node__archived_at__isnull=True, week__gte=data.weeks[0], week__lte=data.weeks[-1]
        ).values_list("node_id", "week", "value")
        for node_id, week, value in rows:
            if node_id in code_of:
                entries[code_of[node_id]][week] = value
    return data, entries


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


def default_as_of(tree) -> date:
    """The last complete week: the one before the week that holds today (Tree.last_complete_week)."""
    return tree.last_complete_week()


def progress_for_tree(tree, as_of: date | None = None) -> tuple[Progress, TreeData]:
    """Load the tree and compute its progress at `as_of` (default: the last complete week)."""
    data, entries = load_tree_data(tree)
    return compute(data, entries, as_of or default_as_of(tree)), data


def decimal_string(value: Decimal | None) -> str | None:
    """A number for files: a decimal string without exponent, at most 6 decimal places; None stays None."""
    if value is None:
        return None
    if value.as_tuple().exponent < -6:
        with localcontext(prec=60):
            value = value.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
    return plain(value)


def progress_to_json(progress: Progress, tree_data: TreeData) -> dict:
    """The docs/files.md "Progress" structure, ready for json.dumps."""
    nodes = []
    for node in tree_data.nodes:
        result = progress.nodes[node.code]
        nodes.append(
            {
                "code": node.code,
                "actual_to_date": decimal_string(result.actual_to_date),
                "target_to_date": decimal_string(result.target_to_date),
                "achievement": decimal_string(result.achievement),
                "status": result.status,
                "forecast": decimal_string(result.forecast),
                "sensitivity": decimal_string(result.sensitivity),
                "weeks": [
                    {
                        "week": week.week.isoformat(),
                        "actual": decimal_string(week.actual),
                        "target": decimal_string(week.target),
                    }
                    for week in result.weeks
                ],
            }
        )
    return {"tree": progress.tree, "as_of_week": progress.as_of_week.isoformat(), "nodes": nodes}


def progress_to_csv(progress: Progress, tree_data: TreeData) -> str:
    """The CSV form of the progress (see the module docstring), without a BOM; CRLF line ends as Excel writes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in progress_to_json(progress, tree_data)["nodes"]:
        summary = [
            progress.as_of_week.isoformat(),
            *(
                item[key] or ""
                for key in ("actual_to_date", "target_to_date", "achievement", "status", "forecast", "sensitivity")
            ),
        ]
        for week in item["weeks"]:
            weekly = [week["week"], week["actual"] or "", week["target"] or ""]
            writer.writerow([progress.tree, item["code"], *weekly, *summary])
    return out.getvalue()
