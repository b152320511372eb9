"""The operations of /api/v1 (docs/api.md). Each reads like a view: the token's access, a service, the result."""

import json
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI, Query
from ninja.parser import Parser

from goals import outline
from goals.models import Tree
from metrics import csvfiles
from metrics.api import errors, progress
from metrics.api.auth import BearerToken
from metrics.api.errors import ApiError, BatchTooLarge
from metrics.api.schemas import (
    MAX_BATCH_BYTES,
    MAX_BATCH_ROWS,
    BatchResult,
    EntriesBatch,
    EntriesOut,
    EntriesQuery,
    Error,
    ProgressOut,
    ProgressQuery,
    TreeDetail,
    TreeSummary,
)
from metrics.models import Entry, EntryChange
from metrics.progress_files import decimal_string

ACTION_WORDS = {
    csvfiles.PlannedRow.CREATE: "created",
    csvfiles.PlannedRow.CHANGE: "changed",
    csvfiles.PlannedRow.DELETE: "deleted",
    csvfiles.PlannedRow.UNCHANGED: "unchanged",
}
APPLY_ATTEMPTS = 3  # a batch planned again when someone saved one of its entries between the check and the write

DESCRIPTION = """Weekly numbers in and progress out, for MA and SFA tools, connectors and spreadsheet scripts.
Send a token as `Authorization: Bearer gt_...`. Readable documentation with examples: /api/v1/docs."""


class BatchParser(Parser):
    """JSON with numbers as Decimal (never float), and a batch refused for its size before its rows are read."""

    def parse_body(self, request):
        if len(request.body) > MAX_BATCH_BYTES:
            raise BatchTooLarge()
        data = json.loads(request.body, parse_float=Decimal, parse_constant=_refuse_constant)
        if isinstance(data, dict) and isinstance(data.get("rows"), list) and len(data["rows"]) > MAX_BATCH_ROWS:
            raise BatchTooLarge()
        return data


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number")


api = NinjaAPI(
    title="Goaltree API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url=None,  # the readable page is ours (metrics.api.docs): no CDN, strict CSP
    auth=BearerToken(),
    parser=BatchParser(),
)
errors.install(api)

READ_ERRORS = {401: Error, 404: Error, 422: Error, 429: Error}
WRITE_ERRORS = {**READ_ERRORS, 400: Error, 403: Error, 409: Error, 413: Error}


def _tree(code) -> Tree:
    tree = Tree.objects.select_related("department").filter(code=code).first()
    if tree is None:
        raise ApiError(404, "not_found", _('There is no tree with the code "%(code)s".') % {"code": code[:100]})
    return tree


def _tree_summary(tree):
    return {
        "code": tree.code,
        "name": tree.name,
        "department": tree.department.name if tree.department_id else None,
        "period_start": tree.period_start,
        "period_end": tree.period_end,
        "week_start": Tree.WeekStart(tree.week_start).name.lower(),
        "fiscal_year": tree.fiscal_year,
        "data_version": tree.data_version,
    }


@api.get(
    "/trees",
    response={200: list[TreeSummary], **READ_ERRORS},
    summary="List the trees",
    operation_id="listTrees",
    tags=["trees"],
)
def list_trees(request):
    """Every tree of the workspace, newest period first."""
    return [_tree_summary(tree) for tree in Tree.objects.select_related("department")]


@api.get(
    "/trees/{code}",
    response={200: TreeDetail, **READ_ERRORS},
    summary="A tree and its nodes",
    operation_id="getTree",
    tags=["trees"],
)
def get_tree(request, code: str):
    """The tree with its weeks and its active nodes; `writable` says which nodes this token may write."""
    tree = _tree(code)
    access = request.auth
    nodes = outline.ordered(tree.nodes.active().select_related("department"), detached=True)
    code_of = {node.pk: node.code for node in nodes}
    return {
        **_tree_summary(tree),
        "weeks": tree.weeks,
        "last_complete_week": tree.last_complete_week(),
        "nodes": [
            {
                "code": node.code,
                "name": node.name,
                "parent": code_of.get(node.parent_id),
                "unit": node.unit,
                "measured": node.is_measured,
                "formula": node.formula.strip() or None,
                "cadence": node.frequency,
                "department": node.department.name if node.department_id else None,
                "aggregation": node.aggregation,
                "direction": node.direction,
                "target": decimal_string(node.target),
                "writable": access.can_enter(node),
            }
            for node in nodes
        ],
    }


@api.get(
    "/trees/{code}/entries",
    response={200: EntriesOut, **READ_ERRORS},
    summary="Read entries",
    operation_id="listEntries",
    tags=["entries"],
    by_alias=True,
)
def list_entries(
    request,
    code: str,
    weeks: Query[EntriesQuery],
):
    """The stored entries of the tree's measured nodes for the weeks from `from` to `to`, by node then week."""
    tree = _tree(code)
    period = tree.weeks
    start = weeks.from_ or (period[0] if period else tree.period_start)
    end = weeks.to or (period[-1] if period else tree.period_end)
    if start > end:
        raise ApiError(
            422,
            "invalid_request",
            _("from (%(start)s) is after to (%(end)s).") % {"start": start, "end": end},
            [{"field": "from", "code": "invalid", "message": _("Choose a first week before the last.")}],
        )
    nodes = csvfiles.measured_nodes(tree)
    position = {node.pk: index for index, node in enumerate(nodes)}
    code_of = {node.pk: node.code for node in nodes}
    period_weeks = set(period)
    entries = sorted(
        (
            entry
            for entry in Entry.objects.filter(node__in=nodes, week__gte=start, week__lte=end).only(
                "node_id", "week", "value", "note", "version", "updated_at"
            )
            if entry.week in period_weeks
        ),
        key=lambda entry: (position[entry.node_id], entry.week),
    )
    return {
        "tree": tree.code,
        "from": start,
        "to": end,
        "entries": [
            {
                "node": code_of[entry.node_id],
                "week": entry.week,
                "value": decimal_string(entry.value),
                "note": entry.note,
                "version": entry.version,
                "updated_at": entry.updated_at,
            }
            for entry in entries
        ],
    }


@api.post(
    "/trees/{code}/entries",
    response={200: BatchResult, **WRITE_ERRORS},
    summary="Write entries in a batch",
    operation_id="pushEntries",
    tags=["entries"],
)
def push_entries(request, code: str, batch: EntriesBatch):
    """Create, change or delete entries: all rows or none, with every bad row reported by its index.

    The rows follow the rules of the entries CSV (docs/files.md). Sending the same batch twice changes nothing
    the second time. Each change is recorded in the history of numbers with this token's name.
    """
    access = request.auth
    if access.token.read_only:
        raise ApiError(403, "read_only", _("This token is read-only. Use a read-write token to send entries."))
    tree = _tree(code)
    cells = [(index, _cells(tree, row)) for index, row in enumerate(batch.rows)]
    for _attempt in range(APPLY_ATTEMPTS):
        plan = csvfiles.ImportPlan(max_shown_errors=None, has_notes=any(row.note is not None for row in batch.rows))
        csvfiles.check_rows(plan, cells, access=access, tree=tree, by_index=True, refusal=access.refusal)
        if plan.errors:
            raise _refusal(plan, batch)
        try:
            counts = csvfiles.apply(
                plan,
                access.token.created_by,
                access=access,
                source=EntryChange.Source.API,
                token_name=access.token.name,
            )
        except csvfiles.ImportStale:
            continue
        return {"tree": tree.code, **counts, "rows": _row_results(plan)}
    raise ApiError(
        409,
        "busy",
        _("Some of these entries kept changing while the batch was being saved; nothing was saved. Send it again."),
    )


def _cells(tree, row):
    cells = {
        "tree": tree.code,
        "node": row.node.strip(),
        "week": row.week.strip(),
        "value": (row.value or "").strip(),
        "version": row.version,
    }
    if row.note is not None:
        cells[csvfiles.NOTE_COLUMN] = row.note.strip()
    return cells


def _refusal(plan, batch):
    codes = {error.code for error in plan.errors}
    count = plan.error_line_count
    summary = ngettext(
        "Not saved: %(count)s row has a problem, so nothing was saved. See details.",
        "Not saved: %(count)s rows have problems, so nothing was saved. See details.",
        count,
    ) % {"count": f"{count:,}"}
    details = [
        {
            "index": error.line,
            "code": error.code,
            "message": error.message,
            "node": batch.rows[error.line].node[:100],
            "week": batch.rows[error.line].week[:40],
        }
        for error in plan.errors
    ]
    if codes == {"forbidden"}:
        return ApiError(403, "outside_scope", summary, details)
    if codes == {"conflict"}:
        return ApiError(409, "conflict", summary, details)
    return ApiError(422, "invalid_rows", summary, details)


def _row_results(plan):
    """Each row's action and the entry's version after the write, in one query."""
    rows = plan.rows
    stored = {}
    if rows:
        keys = Q()
        for node_id, weeks in _weeks_by_node(rows).items():
            keys |= Q(node_id=node_id, week__in=weeks)
        entries = Entry.objects.filter(keys).only("node_id", "week", "value", "version")
        stored = {(entry.node_id, entry.week): entry for entry in entries}
    results = []
    for row in sorted(rows, key=lambda row: row.line):
        entry = stored.get((row.node.pk, row.week))
        results.append(
            {
                "index": row.line,
                "node": row.node.code,
                "week": row.week,
                "action": ACTION_WORDS[row.action],
                "value": decimal_string(entry.value) if entry else None,
                "version": entry.version if entry else 0,
            }
        )
    return results


def _weeks_by_node(rows):
    weeks = {}
    for row in rows:
        weeks.setdefault(row.node.pk, set()).add(row.week)
    return weeks


@api.get(
    "/trees/{code}/progress",
    response={200: ProgressOut, **READ_ERRORS},
    summary="The tree's progress",
    operation_id="getProgress",
    tags=["progress"],
)
def get_progress(
    request,
    code: str,
    query: Query[ProgressQuery],
):
    """docs/files.md "Progress": every node's figures to the as-of week, and each week's actual and target."""
    return progress.progress_json(_tree(code), query.as_of)
