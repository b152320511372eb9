"""The engine's warnings in words: metrics.engine.EngineWarning -> a sentence in the active language.

The engine says what is wrong with numbers (a kind, the node, the weeks, the inputs, the numbers); this module
says it to people, naming nodes by name and weeks by their labels. Nodes are looked up in the tree the
warnings were computed for.
"""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from goals.formatting import is_too_large, number, summary_value, week_label
from goals.formulas import FormulaError
from goals.formulas.rules import check_breakdown, check_formula
from metrics.engine import (
    BREAKDOWN_ERROR,
    BREAKDOWN_MISMATCH,
    DIVISION_BY_ZERO,
    FORMULA_ERROR,
    MISSING_INPUT,
    TARGETS_DO_NOT_ADD_UP,
    WEIGHTS_IGNORED,
    EngineWarning,
    NodeData,
    TreeData,
)
from metrics.engine.nodes import rule_nodes

WARNING_WEEKS_SHOWN = 3  # a warning about weeks names the first few and says that more follow


def warning_message(warning: EngineWarning, tree: TreeData) -> str:
    """The warning in the active language, naming nodes by name."""
    return _message(warning, {node.code: node for node in tree.nodes}, len(tree.weeks))


def warning_messages(warnings: list[EngineWarning], tree: TreeData) -> list[str]:
    """warning_message() of each warning, in their order (a whole Progress.warnings, or warnings_for a node)."""
    nodes = {node.code: node for node in tree.nodes}
    return [_message(warning, nodes, len(tree.weeks)) for warning in warnings]


def _message(warning: EngineWarning, nodes: Mapping[str, NodeData], week_count: int) -> str:
    def name(code):
        node = nodes.get(code)
        return _("“%(name)s”") % {"name": node.name if node and node.name else code}

    def names(codes):
        return pgettext("list separator", ", ").join(name(code) for code in codes)

    def weeks(values):
        shown = pgettext("list separator", ", ").join(week_label(week) for week in values[:WARNING_WEEKS_SHOWN])
        return shown + (pgettext("list continues", ", …") if len(values) > WARNING_WEEKS_SHOWN else "")

    node = nodes.get(warning.node)
    unit = node.unit if node else ""
    values = {"node": name(warning.node), "count": len(warning.weeks), "weeks": weeks(warning.weeks)}
    if warning.kind == TARGETS_DO_NOT_ADD_UP:
        values.update(
            inputs=names(warning.inputs), expected=number(warning.expected, unit), target=number(warning.target, unit)
        )
        text = _(
            "The targets of %(inputs)s give %(expected)s, but the target of %(node)s is %(target)s. Check the targets."
        )
    elif warning.kind == DIVISION_BY_ZERO:
        text = ngettext(
            "%(node)s divides by zero in %(count)s week (%(weeks)s), so that week is shown without a value.",
            "%(node)s divides by zero in %(count)s weeks (%(weeks)s), so those weeks are shown without a value.",
            values["count"],
        )
    elif warning.kind == MISSING_INPUT:
        values["inputs"] = names(warning.inputs)
        text = ngettext(
            "%(node)s cannot be computed for %(count)s week (%(weeks)s) "
            "because there is no entry for %(inputs)s. Enter the missing numbers.",
            "%(node)s cannot be computed for %(count)s weeks (%(weeks)s) "
            "because there is no entry for %(inputs)s. Enter the missing numbers.",
            values["count"],
        )
    elif warning.kind == FORMULA_ERROR:
        values["error"] = _formula_error(node, nodes) if node else warning.detail
        text = _("The formula of %(node)s cannot be used, so its values are shown as missing: %(error)s")
    elif warning.kind == BREAKDOWN_MISMATCH:
        expected, actual = _summary(warning.expected, unit), _summary(warning.actual, unit)
        if expected == actual:  # rounded alike (small counts): every digit, so that they read apart
            expected, actual = number(warning.expected, unit), number(warning.actual, unit)
        values.update(inputs=names(warning.inputs), expected=expected, actual=actual)
        text = _(
            "The actual to date of %(node)s is %(actual)s, but its breakdown over %(inputs)s gives %(expected)s. "
            "Check the numbers entered or the breakdown."
        )
    elif warning.kind == BREAKDOWN_ERROR:
        values["error"] = _formula_error(node, nodes, node.breakdown) if node else warning.detail
        text = _("The breakdown of %(node)s cannot be used, so it carries no impact to the KGI: %(error)s")
    elif warning.kind == WEIGHTS_IGNORED:
        values["count"] = week_count
        text = ngettext(
            "The seasonality weights of %(node)s are not one number of 0 or more for the %(count)s week "
            "of the period, so its target is spread evenly. Fix the weights.",
            "The seasonality weights of %(node)s are not one number of 0 or more for each of the %(count)s weeks "
            "of the period (not all 0), so its target is spread evenly. Fix the weights.",
            week_count,
        )
    else:
        return warning.kind
    return text % values


def _summary(value, unit: str) -> str:
    """A figure as the node's summaries show it (goals.formatting.summary_value: counts whole)."""
    if value is None or is_too_large(value):
        return number(value, unit)
    return number(summary_value(value, unit), unit)


def _formula_error(node: NodeData, nodes: Mapping[str, NodeData], formula: str | None = None) -> str:
    """What is wrong with the node's formula (or `formula`: its breakdown), in the active language (checked again
    for that: the engine's `detail` is in the language that was active when it computed, and computed results are
    shared)."""
    every = rule_nodes(nodes)
    try:
        if formula is None:
            check_formula(node.formula, node.code, node.name or node.code, every)
        else:
            check_breakdown(formula, node.code, node.name or node.code, every)
    except FormulaError as error:
        return error.message
    return ""
