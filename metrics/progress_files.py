"""A tree's progress in files: the docs/files.md "Progress" JSON and its CSV twin.

The progress itself comes from metrics.progress; this module only writes it out.

CSV form (one row per node per week, nodes in tree order, weeks in order; the node's summary repeated on
each of its rows so that a pivot table or a filter needs no join):
`tree,node,week,actual,target,as_of_week,actual_to_date,target_to_date,achievement,status,forecast,sensitivity,impact`
Numbers as in the JSON (decimal strings, at most 6 decimal places), empty where the JSON has null.

Decision where docs/numbers.md leaves a choice: numbers with more than 6 decimal places are rounded half up
to 6; trailing zeros are dropped.
"""

import csv
import io
from decimal import ROUND_HALF_UP, Decimal, localcontext

from goals.formatting import plain
from metrics.engine import SIX_PLACES, Progress, TreeData

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
    "impact",
]


SUMMARY_KEYS = ("actual_to_date", "target_to_date", "achievement", "status", "forecast", "sensitivity", "impact")


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
                "impact": decimal_string(result.impact),
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
            *(item[key] or "" for key in SUMMARY_KEYS),
        ]
        for week in item["weeks"]:
            weekly = [week["week"], week["actual"] or "", week["target"] or ""]
            writer.writerow([progress.tree, item["code"], *weekly, *summary])
    return out.getvalue()
