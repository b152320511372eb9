"""Targets of a node: back-calculation (逆算) of a child's target, and seasonality of a `sum` node's target."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from goals import formulas
from goals.access import access_for, get_node_for_user
from goals.formatting import number, plain
from goals.forms.targets import SeasonalityForm
from goals.formulas import rules
from goals.models import Node, VersionConflict
from goals.seasonality import business_day_weights
from goals.targets import usable_weights, weekly_targets

# Back-calculation: /nodes/<pk>/backcalc/


@dataclass
class Proposal:
    child: Node
    value: Decimal | None = None  # the target that makes the formula meet the parent's target
    exact: bool = True  # False when found numerically
    reason: str = ""  # why there is no proposal

    @property
    def changes_target(self):
        return self.value is not None and self.value != self.child.target


def _active_node(request, pk, write=False):
    node = get_node_for_user(request, pk, write=write)
    if node.is_archived:
        raise Http404
    return node


def _names(nodes):
    return pgettext("list separator", ", ").join(_("“%(name)s”") % {"name": node.name} for node in nodes)


def proposals(node):
    """(formula error or "", expected value of the formula over the children's targets, [Proposal])."""
    every_node = list(node.tree.nodes.active().select_related("department", "parent").order_by("position", "pk"))
    every = rules.tree_nodes(every_node)
    try:
        if node.is_formula:
            formula = rules.check_formula(node.formula, node.code, node.name, every)
        else:
            formula = rules.check_breakdown(node.breakdown, node.code, node.name, every)
    except formulas.FormulaError as error:
        return error.message, None, []
    by_code = {other.code: other for other in every_node}
    kids = [by_code[code] for code in formula.references if code in by_code]
    targets = {kid.code: kid.target for kid in kids}
    used = [kid for kid in kids if kid.code in formula.references]
    expected = None
    if all(kid.target is not None for kid in used):
        try:
            expected = formula.evaluate(targets)
        except formulas.EvaluationError:
            expected = None
    rows = []
    for kid in used:
        row = Proposal(kid)
        missing = [other for other in used if other is not kid and other.target is None]
        if node.target is None:
            row.reason = _("Set the target of %(node)s first: the proposal starts from it.") % {"node": node.name}
        elif missing:
            row.reason = _("Set the target of %(names)s first: the other targets are held as they are.") % {
                "names": _names(missing)
            }
        else:
            try:
                solution = formulas.solve(formula, kid.code, node.target, targets)
            except (formulas.NoSolution, formulas.EvaluationError) as error:
                row.reason = error.message
            else:
                row.value, row.exact = solution.value, solution.exact
        rows.append(row)
    return "", expected, rows


def _backcalc_context(request, node, **extra):
    error, expected, rows = proposals(node)
    return {
        "node": node,
        "tree": node.tree,
        "heading": _("Derive targets from %(name)s") % {"name": node.name},
        "formula_error": error,
        "formula_shown": rules.to_names(
            node.formula if node.is_formula else node.breakdown,
            dict(node.tree.nodes.active().values_list("code", "name")),
        ),
        "expected": expected,
        "rows": rows,
        "can_edit": access_for(request.user).can_edit_tree(node.tree),
        **extra,
    }


def _render_backcalc(request, node, status=200, **extra):
    context = _backcalc_context(request, node, **extra)
    if request.htmx:
        # The back-calculation page has no health panel: its answer replaces its own section only.
        return render(request, "goals/node_backcalc.html#backcalc", context, status=status)
    return render(request, "goals/node_backcalc.html", context, status=status)


@login_required
@require_GET
def node_backcalc(request, pk):
    node = _active_node(request, pk)
    context = _backcalc_context(request, node)
    template = "goals/node_backcalc.html#backcalc" if request.htmx else "goals/node_backcalc.html"
    return render(request, template, context)


@login_required
@require_POST
def apply_backcalc(request, pk):
    node = _active_node(request, pk, write=True)
    if not node.is_formula and not node.has_breakdown:
        return _render_backcalc(request, node, status=400, error=_("Only formula nodes have targets to derive."))
    _error, _expected, rows = proposals(node)
    row = next((row for row in rows if str(row.child.pk) == request.POST.get("child", "")), None)
    if row is None:
        return _render_backcalc(
            request, node, status=400, error=_("Choose a child used in the formula of %(node)s.") % {"node": node.name}
        )
    if row.value is None:
        return _render_backcalc(request, node, status=400, error=row.reason)
    if request.POST.get("value", "") != plain(row.value):
        # The targets moved since the page was shown: show the new proposal rather than apply a stale one.
        return _render_backcalc(
            request,
            node,
            status=409,
            error=_(
                "The targets changed since you opened this page. The proposal for %(child)s is now %(value)s: "
                "check it and apply it again."
            )
            % {"child": row.child.name, "value": number(row.value, row.child.unit)},
        )
    # The check that counts here is the proposal's value above, not the version of the child's form.
    child = row.child.save_versioned(request.user, {"target": row.value})
    notice = _("Set the target of %(child)s to %(value)s.") % {
        "child": child.name,
        "value": number(child.target, child.unit),
    }
    if request.htmx:
        return _render_backcalc(request, node, notice=notice)
    messages.success(request, notice)
    return redirect("goals:node-backcalc", node.pk)


# Seasonality: /nodes/<pk>/seasonality/


def _stored_weights(node, count):
    """The node's weights as the engine uses them (goals.targets.usable_weights): None when they are not one
    number per week within the bounds, not all zero; the target is then spread evenly, and the page says so."""
    return usable_weights(node.weights, count)


def _business_days(node):
    tree = node.tree
    return business_day_weights(tree.weeks, tree.week_start, tree.period_start, tree.period_end)


def _preview(node, weeks, weights):
    """Rows of (week, weight, share in %, weekly target, cumulative target) for a spread of the node's target."""
    targets = weekly_targets(node.target, Node.Aggregation.SUM, weeks, weights)
    shown = weights if weights is not None else [Decimal(1)] * len(weeks)
    total = sum(shown, Decimal(0))
    rows = []
    running = Decimal(0)
    for week, weight, target in zip(weeks, shown, targets, strict=True):
        running = running + target if target is not None else None
        rows.append((week, weight, weight / total * 100 if total else None, target, running))
    return rows


def _method_of(node, weeks, stored):
    if stored is None:
        return SeasonalityForm.EVEN
    return SeasonalityForm.BUSINESS_DAYS if stored == _business_days(node) else SeasonalityForm.CUSTOM


def _seasonality_context(request, node, form, preview_weights, **extra):
    weeks = list(node.tree.weeks)
    table = [
        {"week": week, "field": field, "weight": weight, "share": share, "target": target, "cumulative": running}
        for (week, field), (_week, weight, share, target, running) in zip(
            form.weight_fields(), _preview(node, weeks, preview_weights), strict=True
        )
    ]
    return {
        "node": node,
        "tree": node.tree,
        "heading": _("Weekly targets of %(name)s") % {"name": node.name},
        "form": form,
        "is_sum": node.aggregation == Node.Aggregation.SUM,
        "table": table,
        "can_edit": access_for(request.user).can_edit_tree(node.tree),
        **extra,
    }


def _render_seasonality(request, node, form, preview_weights, status=200, **extra):
    context = _seasonality_context(request, node, form, preview_weights, **extra)
    template = "goals/node_seasonality.html#seasonality" if request.htmx else "goals/node_seasonality.html"
    return render(request, template, context, status=status)


def _initial(node, weeks, weights, method):
    initial = {"method": method, "version": node.version}
    for index, weight in enumerate(weights or [Decimal(1)] * len(weeks)):
        initial[f"w{index}"] = plain(weight)
    return initial


@login_required
@require_GET
def node_seasonality(request, pk):
    node = _active_node(request, pk)
    weeks = list(node.tree.weeks)
    stored = _stored_weights(node, len(weeks))
    form = SeasonalityForm(weeks=weeks, initial=_initial(node, weeks, stored, _method_of(node, weeks, stored)))
    return _render_seasonality(request, node, form, stored)


@login_required
@require_POST
def save_seasonality(request, pk):
    node = _active_node(request, pk, write=True)
    weeks = list(node.tree.weeks)
    if node.aggregation != Node.Aggregation.SUM:
        form = SeasonalityForm(weeks=weeks, initial=_initial(node, weeks, None, SeasonalityForm.EVEN))
        error = _("Only sum nodes spread their target over the weeks. Change the aggregation of %(node)s first.")
        return _render_seasonality(request, node, form, None, status=400, error=error % {"node": node.name})
    action = request.POST.get("action", "save")

    if action == "fill_business_days":
        # Start the weights from business days, for the person to adjust (Golden Week, Obon, year end...).
        days = _business_days(node)
        data = request.POST.copy()
        data["method"] = SeasonalityForm.CUSTOM
        for index, weight in enumerate(days):
            data[f"w{index}"] = plain(weight)
        form = SeasonalityForm(data, weeks=weeks)
        form.is_valid()
        return _render_seasonality(request, node, form, days if sum(days) > 0 else None)

    form = SeasonalityForm(request.POST, weeks=weeks)
    if not form.is_valid():
        return _render_seasonality(request, node, form, None, status=400, has_errors=True)
    method = form.cleaned_data["method"]
    if method == SeasonalityForm.CUSTOM:
        weights = form.cleaned_data["weights"]
    elif method == SeasonalityForm.BUSINESS_DAYS:
        weights = _business_days(node)
        if not sum(weights) > 0:
            error = _("The period has no business days, so the target cannot follow them. Spread it evenly.")
            return _render_seasonality(request, node, form, None, status=400, error=error)
    else:
        weights = None
    if action == "preview":
        return _render_seasonality(request, node, form, weights, previewing=True)

    stored_weights = [plain(weight) for weight in weights] if weights is not None else None
    try:
        saved = node.save_versioned(
            request.user, {"weights": stored_weights}, expected_version=form.cleaned_data.get("version") or 0
        )
    except VersionConflict as conflict:
        data = request.POST.copy()
        data["version"] = conflict.stored_version
        form = SeasonalityForm(data, weeks=weeks)
        form.is_valid()
        error = _(
            "Not saved: someone changed %(node)s since you opened this page. Your weights are kept below; "
            "check the node's history, then save again to overwrite."
        ) % {"node": node.name}
        return _render_seasonality(request, node, form, weights, status=409, error=error)
    notice = {
        SeasonalityForm.EVEN: _("Saved: the target of %(node)s is spread evenly over the weeks."),
        SeasonalityForm.BUSINESS_DAYS: _("Saved: the target of %(node)s follows the business days of each week."),
        SeasonalityForm.CUSTOM: _("Saved: the target of %(node)s follows the weights you entered."),
    }[method] % {"node": node.name}
    if request.htmx:
        node.weights, node.version = saved.weights, saved.version
        form = SeasonalityForm(weeks=weeks, initial=_initial(node, weeks, weights, method))
        return _render_seasonality(request, node, form, weights, notice=notice)
    messages.success(request, notice)
    return redirect("goals:node-seasonality", node.pk)
