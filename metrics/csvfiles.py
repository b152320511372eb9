"""Entries files (docs/files.md): reading a CSV into a plan, applying it all or nothing, and writing exports.

Reading is two steps so that a person sees what a file will do before anything is saved:
`plan_from_bytes` / `build_plan` check every row against the database (a fixed number of queries whatever the
file's size) and return an ImportPlan with the rows to create, change and delete and every bad row; `apply`
writes the plan in one transaction through `set_entry`, after checking under lock that nothing moved since.

Decisions where docs/numbers.md leaves a choice:
- Columns are matched by name, in any order, case and surrounding spaces ignored. An optional fifth column
  `note` sets each row's note (an empty cell clears it); without it notes stay as they are. Exports keep the
  four columns of the contract.
- Line numbers are rows as Excel numbers them: the header is line 1, a quoted cell holding a line break does not
  add a line, blank lines count. Blank rows (no cell filled) are skipped.
- A row must have every column; a short row is refused rather than read as an empty value (which deletes).
- `week` is `2026-06-29`; `2026/6/29` and `2026/06/29` are read too, since Japanese Excel rewrites dates in that
  form when it saves a CSV it opened.
- A row that changes nothing (the same value, or an empty value where no entry exists) is not checked for
  permission: anyone may re-import a full export or template in which they changed only their own rows.
  Rows for formula nodes are refused even then.
- The template lists every active measured node for every week of the period, filled with the current value
  where there is one, so importing it untouched changes nothing (an empty value deletes).
- Exports list active measured nodes in tree order (parents before children, siblings by position), weeks in
  order, and only the weeks of the period, so that every exported row imports back. A node cut off from the
  KGI by an archived parent is still active and importable, so it is listed too: after the KGI's branch
  (goals.outline.tree_order with detached=True).
- A plan keeps the first MAX_SHOWN_ERRORS problems (by line) and counts the rest: a file of thousands of bad
  rows gives a short page that says how many more there are, not a page of every one.

The rows of a file and the rows of an API batch (metrics.api) are checked by the same function, `check_rows`,
and written by the same `apply`; the API numbers rows by their index instead of a line, may give each row the
entry version it last read (`version`, for conflict detection) and keeps every problem.
"""

import bisect
import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from goals import outline, periods
from goals.access import access_for
from goals.models import Node, Tree
from goals.values import ValueParseError, format_value, parse_value, text_problem
from metrics.entries import set_entry
from metrics.models import Entry, EntryChange

COLUMNS = ["tree", "node", "week", "value"]
NOTE_COLUMN = "note"
HEADER = ",".join(COLUMNS)
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_SHOWN_ERRORS = 100
MAX_NOTE_LENGTH = Entry._meta.get_field("note").max_length
BOM = "\ufeff"

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_EXCEL_DATE = re.compile(r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})", re.ASCII)


class ImportFileError(Exception):
    """The file as a whole cannot be read (size, encoding)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ImportRefused(Exception):
    """`apply` was given a plan with errors; nothing was saved."""

    def __init__(self, plan):
        super().__init__(plan.summary())
        self.plan = plan


class ImportStale(Exception):
    """Entries or nodes changed between the plan and `apply`; nothing was saved."""

    def __init__(self):
        self.message = _(
            "Not imported: some of these numbers were changed by someone else after the file was checked, so "
            "nothing was saved. Check the changes again."
        )
        super().__init__(self.message)


@dataclass
class RowError:
    line: int | None  # None: the file as a whole; an API batch's row index
    message: str
    code: str = "invalid"  # "invalid", "forbidden" (the row's node may not be entered), "conflict" (its version)

    def __str__(self):
        if self.line is None:
            return self.message
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class PlannedRow:
    line: int
    node: Node
    week: date
    new_value: Decimal | None
    new_note: str | None  # None: keep the note (the file has no note column)
    entry: Entry | None  # the entry as it was when the plan was made

    CREATE, CHANGE, DELETE, UNCHANGED = "create", "change", "delete", "unchanged"

    @property
    def old_value(self):
        return self.entry.value if self.entry else None

    @property
    def old_note(self):
        return self.entry.note if self.entry else ""

    @property
    def action(self):
        if self.new_value is None:
            return self.UNCHANGED if self.entry is None else self.DELETE
        if self.entry is None:
            return self.CREATE
        if self.entry.value == self.new_value and (self.new_note is None or self.new_note == self.entry.note):
            return self.UNCHANGED
        return self.CHANGE

    def seen_state(self):
        """What the plan assumed about the stored entry; `apply` refuses when it no longer holds."""
        return _entry_state(self.entry)


def _error_line(error):
    return error.line or 0


@dataclass
class ImportPlan:
    text: str = ""
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)  # the first MAX_SHOWN_ERRORS problems, by line
    has_notes: bool = False
    file_error: bool = False  # the file could not be read at all (encoding, header)
    error_count: int = 0  # every problem found, shown in `errors` or not
    error_line_count: int = 0  # the lines with a problem (the file as a whole counts as one)
    max_shown_errors: int | None = MAX_SHOWN_ERRORS  # None: keep every problem (the API)

    def add_errors(self, line, messages, code="invalid"):
        """Record the problems of one line (None: the file as a whole); each line is given once."""
        if not messages:
            return
        self.error_line_count += 1
        limit = self.max_shown_errors
        for message in messages:
            self.error_count += 1
            error = RowError(line, message, code)
            if limit is not None and len(self.errors) >= limit and _error_line(error) >= _error_line(self.errors[-1]):
                continue
            bisect.insort(self.errors, error, key=_error_line)
            if limit is not None:
                del self.errors[limit:]

    @property
    def hidden_error_count(self):
        """Problems found but not kept in `errors`."""
        return self.error_count - len(self.errors)

    def _with(self, action):
        return [row for row in self.rows if row.action == action]

    @property
    def creates(self):
        return self._with(PlannedRow.CREATE)

    @property
    def changes(self):
        return self._with(PlannedRow.CHANGE)

    @property
    def deletes(self):
        return self._with(PlannedRow.DELETE)

    @property
    def unchanged(self):
        return self._with(PlannedRow.UNCHANGED)

    @property
    def ok(self):
        return not self.errors

    def counts(self):
        return {
            "created": len(self.creates),
            "changed": len(self.changes),
            "deleted": len(self.deletes),
            "unchanged": len(self.unchanged),
        }

    def summary(self):
        """The first sentence of the error summary (docs/ui.md "import")."""
        if self.file_error:
            return _("Not imported: the file has a problem; nothing saved.")
        count = self.error_line_count
        return ngettext(
            "Not imported: %(count)s row has a problem; nothing saved.",
            "Not imported: %(count)s rows have problems; nothing saved.",
            count,
        ) % {"count": f"{count:,}"}

    def hidden_errors_message(self):
        """The sentence after the listed problems when some are not listed; "" when every one is."""
        hidden = self.hidden_error_count
        if not hidden:
            return ""
        return ngettext(
            "%(count)s more problem is not listed here. Fix the ones above, then check the file again to see it.",
            "%(count)s more problems are not listed here. Fix the ones above, then check the file again to see them.",
            hidden,
        ) % {"count": f"{hidden:,}"}

    def error_report(self):
        """Summary, the listed errors each on its own line, how many more, and what to do: for the command line."""
        lines = [self.summary(), *(str(error) for error in self.errors)]
        if self.hidden_error_count:
            lines.append(self.hidden_errors_message())
        return "\n".join([*lines, _("Fix them and import again.")])

    def fingerprint(self):
        """A digest of every row and the stored state it was planned against: equal plans do the same."""
        rows = [
            [row.line, row.node.pk, row.week.isoformat(), _state_str(row.new_value), row.new_note, row.seen_state()]
            for row in self.rows
        ]
        return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


# Reading ---------------------------------------------------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 with or without BOM, else CP932 (Japanese Excel's "CSV")."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than %(limit)s MB. Split it into smaller files and import them one by one.")
            % {"limit": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise ImportFileError(
            _("The file is empty. Choose a CSV file whose first line is %(header)s.") % {"header": HEADER}
        )
    unreadable = ImportFileError(
        _(
            "The file could not be read as text. In Excel, save it as CSV UTF-8 (comma delimited) or as CSV "
            "(comma delimited), then import it again."
        )
    )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: Excel's "Unicode text", tab-separated
        raise unreadable
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp932")
        except UnicodeDecodeError:
            raise unreadable from None
    if "\x00" in text:  # UTF-16 without a BOM decodes as UTF-8 full of NULs
        raise unreadable
    return text


def plan_from_bytes(data: bytes, *, user=None, tree=None) -> ImportPlan:
    """Decode an uploaded file and plan it; an unreadable file gives a plan with one file error."""
    try:
        text = decode_csv(data)
    except ImportFileError as exc:
        plan = ImportPlan(file_error=True)
        plan.add_errors(None, [exc.message])
        return plan
    return build_plan(text, user=user, tree=tree)


def build_plan(text: str, *, user=None, tree=None) -> ImportPlan:
    """Check every row of an entries file and plan what it does; nothing is written.

    `user`: the person importing; rows that change a node they may not enter are errors. None: an admin
    operation (the command line without --user), no permission check. `tree`: accept only rows of this tree
    (the tree's import page); None accepts any tree (the command line).
    """
    plan = ImportPlan(text=text)
    records = _read_records(text, plan)
    if records is None:
        return plan
    header, rows = records
    columns = _columns(header, plan)
    if columns is None:
        return plan
    plan.has_notes = NOTE_COLUMN in columns

    cells_by_line = []
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue  # a blank row, as Excel leaves between blocks
        if len(cells) < len(columns) or any(cell.strip() for cell in cells[len(columns) :]):
            wanted = ",".join(sorted(columns, key=columns.get))
            plan.add_errors(
                line,
                [
                    _(
                        "this line has %(found)s cells; it needs %(expected)s (%(header)s). For an empty value, "
                        "end the line with a comma."
                    )
                    % {"found": len(cells), "expected": len(columns), "header": wanted}
                ],
            )
            continue
        cells_by_line.append((line, {name: cells[index].strip() for name, index in columns.items()}))
    if not cells_by_line and not plan.errors:
        plan.file_error = True
        plan.add_errors(None, [_("The file has a header but no rows. Add one row per node and week.")])
        return plan

    check_rows(plan, cells_by_line, access=access_for(user) if user is not None else None, tree=tree)
    return plan


def check_rows(plan, cells_by_line, *, access, tree, by_index=False, refusal=None):
    """Check rows against the database and add them to `plan` as rows to write or as errors; nothing is written.

    `cells_by_line`: [(line, {"tree", "node", "week", "value", and optionally "note" and "version"})], text
    trimmed, except "version": the entry's version as the sender last read it (0: no entry), None or absent for
    no check. `access`: what may be entered (goals.access.Access, or the API token's), None for no check.
    `by_index`: rows are an API batch's, numbered by index rather than line. `refusal(node)`: the message for a
    row whose node may not be entered (default: the one for a person).
    """
    printable = []
    for line, cells in cells_by_line:
        unprintable = _unprintable_cells(cells)
        if unprintable:
            plan.add_errors(line, unprintable)  # before any code is looked up: PostgreSQL refuses NUL in a query
        else:
            printable.append((line, cells))
    cells_by_line = printable
    context = _Context.load(cells_by_line, access=access, tree=tree)
    checked = []
    first_line = {}
    for line, cells in cells_by_line:
        row_errors = []
        node, week, value, note = _check_row(cells, context, row_errors)
        if node is not None and week is not None:
            other = first_line.setdefault((node.pk, week), line)
            if other != line:
                row_errors.append(_duplicate_message(node, week, other, by_index))
        if row_errors:
            plan.add_errors(line, row_errors)
        else:
            checked.append((line, node, week, value, note, cells.get("version")))

    entries = context.load_entries((node, week) for _line, node, week, _value, _note, _version in checked)
    for line, node, week, value, note, version in checked:
        row = PlannedRow(
            line=line, node=node, week=week, new_value=value, new_note=note, entry=entries.get((node.pk, week))
        )
        if row.action != PlannedRow.UNCHANGED and context.access is not None and not context.access.can_enter(node):
            plan.add_errors(line, [(refusal or _permission_message)(node)], code="forbidden")
        elif row.action != PlannedRow.UNCHANGED and version is not None and version != _version_of(row.entry):
            # A row that changes nothing is not a conflict: sending a batch again after it was saved is harmless.
            plan.add_errors(line, [_conflict_message(row, version)], code="conflict")
        else:
            plan.rows.append(row)


def _duplicate_message(node, week, other, by_index):
    if by_index:
        return _("%(node)s for the week of %(week)s is also at index %(other)s. Keep one of the two rows.") % {
            "node": node.code,
            "week": week.isoformat(),
            "other": other,
        }
    return _("%(node)s for the week of %(week)s is also on line %(other)s. Keep one of the two rows.") % {
        "node": node.code,
        "week": week.isoformat(),
        "other": other,
    }


def _version_of(entry):
    return entry.version if entry is not None else 0


def _conflict_message(row, version):
    if row.entry is None:
        current = _("it has no entry now (version 0)")
    else:
        current = _("it is now %(value)s (version %(version)s)") % {
            "value": format_value(row.entry.value),
            "version": row.entry.version,
        }
    return _(
        "%(node)s for the week of %(week)s was changed after you read version %(expected)s: %(current)s. Read it "
        "again, then send the row with the new version."
    ) % {"node": row.node.code, "week": row.week.isoformat(), "expected": version, "current": current}


def _unprintable_cells(cells):
    """A message for each cell holding a character that cannot be kept (goals.values.text_problem); notes may
    hold tabs and line breaks."""
    messages = []
    for name, text in cells.items():
        if not isinstance(text, str):
            continue  # an API row's version is a number
        problem = text_problem(text, lines=name == NOTE_COLUMN)
        if problem:
            messages.append(_("the %(column)s column: %(problem)s") % {"column": name, "problem": problem})
    return messages


def _read_records(text, plan):
    """(header, [(line, cells)]) or None with a file error."""
    try:
        records = list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))
    except csv.Error as exc:
        plan.file_error = True
        plan.add_errors(None, [_("The file is not a CSV file that can be read (%(error)s).") % {"error": exc}])
        return None
    if not records or not any(cell.strip() for cell in records[0]):
        plan.file_error = True
        plan.add_errors(1, [_("the header must be %(header)s.") % {"header": HEADER}])
        return None
    return records[0], list(enumerate(records[1:], start=2))


def _columns(header, plan):
    """{column name: index} from the header, or None with a file error."""
    names = [cell.strip().removeprefix(BOM).strip().lower() for cell in header]
    while names and not names[-1]:
        names.pop()
    if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        separator = _("semicolons") if ";" in names[0] else _("tabs")
        message = _("the columns are separated by %(separator)s. Save the file as CSV with commas.") % {
            "separator": separator
        }
    elif sorted(names) in (sorted(COLUMNS), sorted([*COLUMNS, NOTE_COLUMN])):
        return {name: index for index, name in enumerate(names)}
    else:
        message = _('the header must be %(header)s (a fifth column "note" is optional); it is "%(found)s".') % {
            "header": HEADER,
            "found": ",".join(cell.strip() for cell in header)[:100],
        }
    plan.file_error = True
    plan.add_errors(1, [message])
    return None


class _Context:
    """Trees, nodes and access loaded once for the whole file."""

    def __init__(self, trees, nodes, access, only_tree):
        self.trees = trees  # code -> Tree
        self.nodes = nodes  # (tree id, node code) -> Node
        self.access = access
        self.only_tree = only_tree
        self.weeks = {tree.pk: set(tree.weeks) for tree in trees.values()}

    @classmethod
    def load(cls, cells_by_line, *, access, tree):
        if tree is not None:
            trees = {tree.code: tree}
        else:
            codes = {cells["tree"] for _line, cells in cells_by_line}
            trees = {t.code: t for t in Tree.objects.filter(code__in=codes)}
        nodes = {}
        if trees:
            tree_by_id = {t.pk: t for t in trees.values()}
            for node in Node.objects.active().filter(tree__in=tree_by_id).select_related("department"):
                node.tree = tree_by_id[node.tree_id]
                nodes[(node.tree_id, node.code)] = node
        return cls(trees, nodes, access, tree)

    def load_entries(self, keys):
        """{(node id, week): Entry} for these rows, in one query."""
        keys = list(keys)
        if not keys:
            return {}
        node_ids = {node.pk for node, _week in keys}
        weeks = {week for _node, week in keys}
        entries = Entry.objects.filter(node_id__in=node_ids, week__in=weeks)
        return {(entry.node_id, entry.week): entry for entry in entries}


def _check_row(cells, context, errors):
    """(node, week, value, note) of one row, adding a message to `errors` for each problem."""
    for name in ("tree", "node", "week"):
        if not cells[name]:
            errors.append(_("the %(column)s column is empty.") % {"column": name})
    if errors:
        return None, None, None, None

    tree = context.trees.get(cells["tree"])
    if context.only_tree is not None and cells["tree"] != context.only_tree.code:
        errors.append(
            _(
                'this row is for the tree "%(code)s", but this page imports into %(tree)s (%(this_code)s). '
                "Import it from that tree's page, or correct the tree column."
            )
            % {"code": cells["tree"], "tree": context.only_tree.name, "this_code": context.only_tree.code}
        )
        return None, None, None, None
    if tree is None:
        errors.append(_('there is no tree with the code "%(code)s". Check the tree column.') % {"code": cells["tree"]})
        return None, None, None, None

    node = context.nodes.get((tree.pk, cells["node"]))
    if node is None:
        errors.append(
            _('%(tree)s has no node with the code "%(code)s". Check the node column.')
            % {"tree": tree.code, "code": cells["node"]}
        )
    elif node.is_formula:
        errors.append(_("%(node)s is calculated; delete the row.") % {"node": node.code})
        node = None

    week = _check_week(cells["week"], tree, context.weeks[tree.pk], errors)

    value = note = None
    if node is not None:
        try:
            value = parse_value(cells["value"], node.unit)
        except ValueParseError as exc:
            errors.append(exc.message)
        if NOTE_COLUMN in cells:
            note = cells[NOTE_COLUMN]
            if len(note) > MAX_NOTE_LENGTH:
                errors.append(
                    _("the note has %(count)s characters; shorten it to %(limit)s.")
                    % {"count": len(note), "limit": MAX_NOTE_LENGTH}
                )
            elif note and not cells["value"].strip():
                errors.append(
                    _(
                        "a row with an empty value deletes the entry and cannot have a note. Enter the "
                        "value, or clear the note."
                    )
                )
    return node, week, value, note


def _check_week(text, tree, weeks, errors):
    match = _ISO_DATE.fullmatch(text) or _EXCEL_DATE.fullmatch(text)
    day = None
    if match:
        try:
            day = date(*(int(part) for part in match.groups()))
        except ValueError:
            day = None
    if day is None:
        errors.append(
            _('"%(text)s" is not a date. Write the week as year-month-day, such as %(example)s.')
            % {"text": text[:40], "example": (tree.weeks[0] if tree.weeks else date(2026, 6, 29)).isoformat()}
        )
        return None
    if day in weeks:
        return day
    start = periods.week_containing(day, tree.week_start)
    if start in weeks:
        errors.append(
            _("%(date)s does not start a week; use its %(weekday)s (%(week)s).")
            % {
                "date": day.isoformat(),
                "weekday": Tree.WeekStart(tree.week_start).label,
                "week": start.isoformat(),
            }
        )
    elif tree.weeks:
        errors.append(
            _("%(date)s is not in the period of %(tree)s: its weeks run from %(first)s to %(last)s.")
            % {
                "date": day.isoformat(),
                "tree": tree.name,
                "first": tree.weeks[0].isoformat(),
                "last": tree.weeks[-1].isoformat(),
            }
        )
    else:
        errors.append(_("%(tree)s has no weeks: its period is shorter than a week.") % {"tree": tree.name})
    return None


def _permission_message(node):
    if node.department_id is None:
        return _(
            "you cannot enter %(node)s: it has no owner department, so only admins enter it. Ask an admin, or "
            "delete the row."
        ) % {"node": node.code}
    return _("you cannot enter %(node)s: members of %(department)s enter it. Ask them, or delete the row.") % {
        "node": node.code,
        "department": node.department.name,
    }


# Applying --------------------------------------------------------------------------------------------------------


_USER_ACCESS = object()


def apply(plan: ImportPlan, user, *, access=_USER_ACCESS, source=EntryChange.Source.IMPORT, token_name="") -> dict:
    """Write the plan in one transaction through set_entry (source "import"): all rows or none.

    Under lock, checks first that every node is still active and measured (and enterable by `user`, unless
    None: an admin operation) and that every entry is as the plan saw it; raises ImportStale otherwise, and
    ImportRefused for a plan with errors. Returns the counts: created, changed, deleted, unchanged. The API
    passes its token's `access`, its `source` and `token_name`; a plan that changes nothing writes nothing.
    """
    if plan.errors:
        raise ImportRefused(plan)
    if access is _USER_ACCESS:
        access = access_for(user) if user is not None else None
    try:
        with transaction.atomic():
            # Nodes first, in id order: two imports of the same nodes queue up instead of deadlocking. NO KEY
            # UPDATE, so that a grid save (whose history row takes a key-share lock on its node) is not blocked.
            node_ids = sorted({row.node.pk for row in plan.rows})
            locked_nodes = Node.objects.select_for_update(no_key=True).filter(pk__in=node_ids).order_by("pk")
            nodes = {node.pk: node for node in locked_nodes}
            entries = Entry.objects.select_for_update().filter(
                node_id__in=node_ids, week__in={row.week for row in plan.rows}
            )
            current = {(entry.node_id, entry.week): entry for entry in entries.order_by("pk")}
            for row in plan.rows:
                node = nodes.get(row.node.pk)
                if node is None or node.is_archived or node.is_formula:
                    raise ImportStale()
                if access and row.action != PlannedRow.UNCHANGED and not access.can_enter(node):
                    raise ImportStale()
                if _entry_state(current.get((node.pk, row.week))) != row.seen_state():
                    raise ImportStale()
            changed_trees = set()
            for row in plan.rows:
                if row.action != PlannedRow.UNCHANGED:
                    set_entry(
                        nodes[row.node.pk],
                        row.week,
                        row.new_value,
                        user=user,
                        source=source,
                        note=row.new_note,
                        bump_data_version=False,
                        token_name=token_name,
                    )
                    changed_trees.add(nodes[row.node.pk].tree_id)
            for tree_id in sorted(changed_trees):
                Tree.bump_data_version(tree_id)
    except IntegrityError:
        # Someone created one of these entries after our check (the unique constraint caught it).
        raise ImportStale() from None
    return plan.counts()


def _entry_state(entry):
    if entry is None:
        return None
    return [entry.pk, entry.version, _state_str(entry.value), entry.note]


def _state_str(value):
    return None if value is None else format_value(value)


# Writing ---------------------------------------------------------------------------------------------------------


def entries_csv(tree) -> str:
    """Every entry of the tree's active measured nodes in the period's weeks, with a BOM for Excel."""
    nodes = measured_nodes(tree)
    weeks = set(tree.weeks)
    rows = [
        (entry.node_id, entry.week, entry.value)
        for entry in Entry.objects.filter(node__in=nodes).order_by("week").only("node_id", "week", "value")
        if entry.week in weeks
    ]
    position = {node.pk: index for index, node in enumerate(nodes)}
    code = {node.pk: node.code for node in nodes}
    rows.sort(key=lambda row: (position[row[0]], row[1]))
    return _write_csv(tree, ((code[node_id], week, value) for node_id, week, value in rows))


def template_csv(tree) -> str:
    """Every active measured node for every week of the period, with the current value where there is one."""
    nodes = measured_nodes(tree)
    values = {
        (node_id, week): value
        for node_id, week, value in Entry.objects.filter(node__in=nodes).values_list("node_id", "week", "value")
    }
    return _write_csv(tree, ((node.code, week, values.get((node.pk, week))) for node in nodes for week in tree.weeks))


def measured_nodes(tree):
    """The tree's active measured nodes in tree order (goals.outline), those cut off from the KGI included."""
    return [node for node in outline.ordered(tree.nodes.active(), detached=True) if node.is_measured]


def _write_csv(tree, rows):
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for node_code, week, value in rows:
        writer.writerow([tree.code, node_code, week.isoformat(), format_value(value)])
    return out.getvalue()
