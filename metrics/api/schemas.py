"""The shapes the API reads and writes; django-ninja turns them into the OpenAPI schema (/api/v1/openapi.json).

Numbers go out as decimal strings (docs/files.md: exact, at most 6 decimal places, no exponent) and come in as
a string typed as a person would type it (docs/numbers.md "Input that people type": "13,020", "¥1,250,000",
"12.5%") or as a JSON number; null deletes the week's entry.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, StrictInt, WithJsonSchema

MAX_BATCH_ROWS = 5000
MAX_BATCH_BYTES = 2 * 1024 * 1024


MAX_VALUE_LENGTH = 100


def _value_text(value):
    """A row's value as the text that goals.values.parse_value reads; JSON numbers arrive as int or Decimal."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError("value must be a string, a number or null")
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_VALUE_LENGTH:
        raise ValueError(f"value must have at most {MAX_VALUE_LENGTH} characters")
    return text


EntryValue = Annotated[
    str | None,
    BeforeValidator(_value_text),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "maxLength": MAX_VALUE_LENGTH}, {"type": "number"}, {"type": "null"}],
            "description": 'The number as a person would type it ("13,020", "¥1,250,000", "12.5%") or a JSON '
            "number; null or an empty string deletes the week's entry.",
        }
    ),
]


class Problem(Schema):
    index: int | None = Field(None, description="The row's index in the batch (from 0), when the problem is in a row.")
    field: str | None = Field(None, description="The field or parameter concerned, when one is.")
    code: str = Field(description='"invalid", "forbidden" (outside the token\'s departments) or "conflict".')
    message: str
    node: str | None = None
    week: str | None = None


class Error(Schema):
    """Every refusal: a stable code, a sentence in the request's language, and the problems one by one."""

    code: str = Field(
        description="unauthorized, forbidden, read_only, outside_scope, not_found, method_not_allowed, bad_json, "
        "invalid_request, invalid_rows, conflict, busy, too_large, rate_limited, server_error"
    )
    message: str
    details: list[Problem]


class TreeSummary(Schema):
    code: str
    name: str
    department: str | None = Field(description="The owner department's name.")
    period_start: date
    period_end: date
    week_start: str = Field(description="The weekday weeks start on: monday … sunday.")
    fiscal_year: int = Field(description="The Japanese fiscal year (年度) the period starts in.")
    data_version: int = Field(description="Goes up with every change of the tree's structure or numbers.")


class NodeOut(Schema):
    code: str
    name: str
    parent: str | None = Field(description="The parent node's code; null for the KGI.")
    unit: str
    measured: bool = Field(description="Entered weekly (true) or calculated from a formula (false).")
    formula: str | None
    cadence: str = Field(description="weekly or monthly.")
    department: str | None = Field(description="The owner department, whose members (and tokens) enter it.")
    aggregation: str
    direction: str
    target: str | None
    writable: bool = Field(description="This token may write its entries.")


class TreeDetail(TreeSummary):
    weeks: list[date] = Field(description="The first day of each of the period's weeks: the valid `week` values.")
    last_complete_week: date
    nodes: list[NodeOut] = Field(description="Active nodes in tree order: parents first, siblings in order.")


class EntryOut(Schema):
    node: str
    week: date
    value: str
    note: str
    version: int = Field(description="Send it back as a row's `version` to be told when someone changed it since.")
    updated_at: datetime


class EntriesOut(Schema):
    tree: str
    from_: date = Field(alias="from")
    to: date
    entries: list[EntryOut]

    model_config = ConfigDict(populate_by_name=True)


class EntriesQuery(Schema):
    from_: date | None = Field(None, alias="from", description="The first week (default: the period's first).")
    to: date | None = Field(None, description="The last week (default: the period's last).")


class ProgressQuery(Schema):
    as_of: date | None = Field(None, description="A day of the as-of week (default: the last complete week).")


class EntryRow(Schema):
    node: str = Field(max_length=100, description="A measured node's code.", examples=["leads"])
    week: str = Field(max_length=40, description="The first day of one of the tree's weeks.", examples=["2026-11-23"])
    value: EntryValue
    note: str | None = Field(
        None, max_length=1000, description="Sets the week's note (at most 200 characters); absent keeps it."
    )
    version: StrictInt | None = Field(
        None,
        ge=0,
        description="The entry's version as you last read it (0: there was none). When given, a row that would "
        "change an entry someone changed since is refused with code conflict.",
    )

    model_config = ConfigDict(extra="forbid")


class EntriesBatch(Schema):
    rows: list[EntryRow] = Field(max_length=MAX_BATCH_ROWS)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "rows": [
                        {"node": "sessions", "week": "2026-11-23", "value": "13,020"},
                        {"node": "leads", "week": "2026-11-23", "value": 321},
                        {"node": "mql", "week": "2026-11-23", "value": None},
                    ]
                }
            ]
        },
    )


class RowResult(Schema):
    index: int
    node: str
    week: date
    action: str = Field(description="created, changed, deleted or unchanged.")
    value: str | None
    version: int = Field(description="The entry's version now (0: there is no entry).")


class BatchResult(Schema):
    tree: str
    created: int
    changed: int
    deleted: int
    unchanged: int
    rows: list[RowResult]


class WeekProgress(Schema):
    week: date
    actual: str | None
    target: str | None


class NodeProgress(Schema):
    code: str
    actual_to_date: str | None
    target_to_date: str | None
    achievement: str | None
    status: str = Field(description="on_track, at_risk, off_track, no_data or incomplete.")
    forecast: str | None
    sensitivity: str | None
    impact: str | None = Field(
        description="Improvement impact: how much the KGI's landing forecast changes, in the KGI's unit, if this "
        "node landed on its period target; null on the KGI and where missing."
    )
    weeks: list[WeekProgress]

    model_config = ConfigDict(extra="allow")


class ProgressOut(Schema):
    """docs/files.md "Progress"."""

    tree: str
    as_of_week: date
    nodes: list[NodeProgress]

    model_config = ConfigDict(extra="allow")
