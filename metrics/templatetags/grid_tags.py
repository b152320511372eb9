"""The entry grid's rows and cells as HTML: {% load grid_tags %} (templates/metrics/grid.html).

Why Python and not the template language: a 200-node tree's grid has 1,200 cells of some 25 values each, and
rendering them value by value with template tags and filters was most of the page's time (docs/performance.md);
these functions build the same markup at a fraction of the cost. The page's htmx fragments (a saved cell's
state and hidden fields, the computed cells of its week) come from the same functions, so page and fragment
share one markup. They format only: no query. Every value is escaped (`_e`), as the template escaped it.
"""

from decimal import Decimal
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from goals import formatting
from metrics.grid import COMPUTED, DELETED, NOT_SAVED, SAVED, VIEW, computed_text

register = template.Library()


def _e(value) -> str:
    return escape(str(value))


class _Words:
    """The page's fixed words and addresses, looked up once per rendering instead of once per cell."""

    def __init__(self):
        self.save_url = _e(reverse("metrics:save-cell"))
        self.note = _e(_("Note"))
        self.optional = _e(_("Optional"))
        self.note_on = _("Note on %(label)s")
        self.saved = _e(_("Saved"))
        self.overwrite = _e(_("Overwrite"))
        self.not_saved = _e(_("Not saved yet"))
        self.calculated = _e(_("Calculated"))
        self.view_only = _e(_("View only"))
        self.monthly = _e(_("Monthly"))
        self.monthly_title = _e(_("Entered in the first week of each month"))
        self.no_definition = _e(_("No definition yet."))
        self.no_data = _e(_("No data"))
        self.target = _("Target %(value)s")
        self.last = _("Last period %(value)s")
        self.unusual = _("Usually about %(usual)s: typo?")
        self.unusual_title = _("Unusual value: saved, but far from this KPI's recent weeks. Check it.")
        self.lines = {}  # _context_line's results


_COUNT_UNITS = frozenset({"件", "回", "人"})  # whole things: their targets show whole (docs/numbers.md "Counts")


def _figure(value, unit) -> str:
    """A target or total as the grid's context shows it: whole for counts (half up), else as computed cells."""
    if unit in _COUNT_UNITS and not formatting.is_too_large(value):
        return formatting.grouped(value, 0)
    return computed_text(value, unit)


def _context_line(cell, words) -> tuple[str, str]:
    """(the faint second line under a cell: its week's target and last period's same week, its title text).

    Kept per (target, last, unit) for the rendering: a row's weeks mostly share their target."""
    key = (cell.target, cell.last, cell.node.unit)
    found = words.lines.get(key)
    if found is None:
        found = words.lines[key] = _make_context_line(cell.target, cell.last, cell.node.unit, words)
    return found


def _make_context_line(target, last, unit, words) -> tuple[str, str]:
    parts = []
    if target is not None:
        parts.append(words.target % {"value": _figure(target, unit)})
    if last is not None:
        parts.append(words.last % {"value": _figure(last, unit)})
    if not parts:
        return "", ""
    text = " · ".join(parts)
    shown = " · ".join(f"<span>{_e(part)}</span>" for part in parts)  # breaks between the parts only
    return f'<span class="cell__context">{shown}</span>', text


def _flag(cell, words) -> str:
    if getattr(cell, "usual", None) is None:
        return ""
    usual = _e(words.unusual % {"usual": formatting.headline(cell.usual, cell.node.unit)})
    return (
        f'<span class="cell__flag" title="{_e(words.unusual_title)}"><span aria-hidden="true">!</span> {usual}</span>'
    )


def _to_date(row) -> str:
    """The row's actual to date against its target to date, and the achievement."""
    unit = row.node.unit
    actual = _figure(row.to_date, unit) if row.to_date is not None else "—"
    target = _figure(row.target_to_date, unit) if row.target_to_date is not None else "—"
    achievement = formatting.percent(row.achievement) if row.achievement is not None else ""
    extra = f'<span class="grid-total__pct">{_e(achievement)}</span>' if achievement else ""
    return (
        f'<td class="grid-total num"><span>{_e(actual)}</span> / <span class="muted">{_e(target)}</span>{extra}</td>'
    )


def _words(context) -> _Words:
    words = context.render_context.get(_Words)
    if words is None:
        words = context.render_context[_Words] = _Words()
    return words


@register.simple_tag(takes_context=True)
def grid_row(context, row):
    """One row of the grid: the node's name with its details, then its cells."""
    return mark_safe(_row(row, _words(context)))


@register.simple_tag(takes_context=True)
def cell_state(context, cell):
    """What became of a cell after a save: saved, its error, its conflict with the buttons to settle it."""
    return mark_safe(_state(cell, _words(context)))


@register.simple_tag
def cell_meta(cell, oob=False):
    """A cell's hidden fields: the version and the value (and note) it was loaded with."""
    return mark_safe(_meta(cell, oob))


@register.simple_tag(takes_context=True)
def computed_value(context, cell, oob=False):
    """A formula node's value for a week, rounded for reading (exact in the title), or why it is missing."""
    return mark_safe(_computed(cell, oob, _words(context)))


def _row(row, words) -> str:
    node = row.node
    tags = ""
    if row.kind == COMPUTED:
        tags = f'<span class="grid-tag">{words.calculated}</span>'
    elif row.kind == VIEW:
        tags = f'<span class="grid-tag">{words.view_only}</span>'
    if node.frequency == "monthly":
        tags += f'<span class="grid-tag" title="{words.monthly_title}">{words.monthly}</span>'
    definition = _e(node.definition) if node.definition else ""
    title = f' title="{definition}"' if definition else ""
    unit = f'<span class="node-info__unit">({_e(node.unit)})</span>' if node.unit else ""
    department = f"{_e(node.department.name)} · " if node.department_id else ""
    formula = f" = <code>{_e(node.formula)}</code>" if node.is_formula else ""
    if row.kind == COMPUTED:
        cells = "\n".join(
            f'<td class="grid-cell grid-cell--computed num"{_title(cell, words)}>{_computed(cell, False, words)}'
            f"{_context_line(cell, words)[0]}</td>"
            for cell in row.cells
        )
    elif row.kind == VIEW:
        cells = "\n".join(_view_cell(cell, words) for cell in row.cells)
    else:
        cells = "\n".join(_entry_cell(cell, words) for cell in row.cells)
    return (
        f'<tr class="grid-row grid-row--{row.kind}">\n'
        f'<th scope="row" class="grid-node grid-node--depth-{row.depth_class}">\n'
        f'<details class="node-info">\n'
        f'<summary{title}><span class="node-info__name">{_e(node.name)}</span>{unit}{tags}</summary>\n'
        f'<div class="node-info__panel">\n'
        f"<p>{definition or words.no_definition}</p>\n"
        f'<p class="muted">{department}<code>{_e(node.code)}</code>{formula}</p>\n'
        f"</div>\n</details>\n</th>\n{cells}\n{_to_date(row)}\n</tr>"
    )


def _title(cell, words) -> str:
    text = _context_line(cell, words)[1]
    return f' title="{_e(text)}"' if text else ""


def _view_cell(cell, words) -> str:
    if cell.entry is None:
        no_data = words.no_data
        shown = f'<span class="missing" title="{no_data}">—<span class="visually-hidden">{no_data}</span></span>'
    elif cell.stored_note:
        shown = f'<span class="has-note" title="{_e(cell.stored_note)}">{_e(cell.stored_text)}</span>'
    else:
        shown = f"<span>{_e(cell.stored_text)}</span>"
    line, text = _context_line(cell, words)
    title = f' title="{_e(text)}"' if text else ""
    return (
        f'<td class="grid-cell grid-cell--view num" id="cell-{cell.key}"{title}>{shown}{line}{_flag(cell, words)}</td>'
    )


def _entry_cell(cell, words) -> str:
    key = cell.key
    label = _e(cell.label)
    stored_note = _e(cell.stored_note)
    classes = "cell"
    attributes = ""
    if cell.invalid:
        classes += " cell--invalid"
        attributes += ' aria-invalid="true"'
    if stored_note:
        classes += " cell--has-note"
        attributes += f' title="{stored_note}"'
    if cell.autofocus:
        attributes += " data-focus"
    line, context_text = _context_line(cell, words)
    cell_title = f' title="{_e(context_text)}"' if context_text else ""
    described = f"state-{key}"
    if line:
        line = line.replace('<span class="cell__context">', f'<span class="cell__context" id="ctx-{key}">', 1)
        described += f" ctx-{key}"
    opened = " open" if cell.note != cell.orig_note else ""
    note_on = words.note_on % {"label": label}  # as {% blocktranslate %}: the words as translated, the label escaped
    return (
        f'<td class="grid-cell grid-cell--entry" id="cell-{key}"{cell_title}><div class="{classes}" '
        f'hx-post="{words.save_url}" '
        f'hx-trigger="change" hx-params="{_e(cell.params)}">\n'
        f'<input class="cell__input" type="text" id="v-{key}" name="v-{key}" value="{_e(cell.text)}" '
        f'data-stored="{_e(cell.stored_text)}" inputmode="decimal" autocomplete="off" spellcheck="false" '
        f'aria-label="{label}" aria-describedby="{described}"{attributes}>\n'
        f"{_meta(cell, False)}\n"
        f'<details class="cell__note"{opened}><summary class="cell__note-toggle" title="{words.note}">'
        f'<span class="visually-hidden">{note_on}</span></summary><div class="cell__note-panel">'
        f'<label for="note-{key}">{words.note} <span class="muted">{words.optional}</span></label>'
        f'<input class="cell__note-input" type="text" id="note-{key}" name="note-{key}" value="{_e(cell.note)}" '
        f'data-stored="{stored_note}" maxlength="200" autocomplete="off"></div></details>\n'
        f'<span class="cell__state" id="state-{key}" aria-live="polite">{_state(cell, words)}</span>\n'
        f"{line}</div></td>"
    )


def _meta(cell, oob) -> str:
    key = cell.key
    swap = ' hx-swap-oob="true"' if oob else ""
    orig_note = f'<input type="hidden" name="orignote-{key}" value="{_e(cell.orig_note)}">' if cell.orig_note else ""
    return (
        f'<span class="cell__meta" id="meta-{key}"{swap}><input type="hidden" name="ver-{key}" value="{cell.version}">'
        f'<input type="hidden" name="orig-{key}" value="{_e(cell.orig)}">{orig_note}</span>'
    )


def _state(cell, words) -> str:
    if cell.outcome in (SAVED, DELETED):
        shown = f'<span class="cell__saved"><span aria-hidden="true">✓</span> {words.saved}</span>'
    elif cell.error:
        shown = f'<span class="cell__error">{_e(cell.error)}</span>'
    elif cell.conflict:
        conflict, key = cell.conflict, cell.key
        shown = (
            f'<span class="cell__error">{_e(conflict.message())}</span><span class="cell__choices">'
            f'<button type="submit" class="button button--outline button--small" name="theirs" value="{key}" '
            f'hx-post="{words.save_url}" hx-target="closest .cell__state">{_e(conflict.use_theirs_label)}</button>'
            f'<button type="submit" class="button button--small" name="overwrite" value="{key}:{conflict.version}" '
            f'hx-post="{words.save_url}" hx-target="closest .cell__state">{words.overwrite}</button></span>'
        )
    elif cell.outcome == NOT_SAVED:
        shown = f'<span class="muted">{words.not_saved}</span>'
    else:
        shown = ""
    shown += _flag(cell, words)  # inside the state, so that a save replaces it
    return (
        f'<span class="cell__result" data-outcome="{_e(cell.outcome)}" data-value="{_e(cell.stored_text)}" '
        f'data-note="{_e(cell.stored_note)}">{shown}</span>'
    )


def _computed(cell, oob, words) -> str:
    swap = ' hx-swap-oob="true"' if oob else ""
    if cell.value is None:
        reason = _e(cell.reason_text)
        shown = f'<span class="missing" title="{reason}">—<span class="visually-hidden">{reason}</span></span>'
    else:
        shown = f'<span title="{_e(cell.exact)}">{_e(cell.text)}</span>'
    return f'<span class="computed" id="computed-{cell.key}"{swap}>{shown}</span>'


@register.filter
def grid_figure(value, unit=""):
    """{{ value|grid_figure:node.unit }}: a target or total as the grid's context shows it, with the unit."""
    if value is None:
        return ""
    text = _figure(value, unit)
    if not unit or text == str(formatting.TOO_LARGE):
        return text
    return formatting.number(Decimal(0), unit, places=0).replace("0", text, 1)  # the unit where it goes
