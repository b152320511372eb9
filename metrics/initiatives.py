"""Initiatives (施策) and their effect on their KPIs, as pages show them (docs/numbers.md "Initiatives").

The numbers come from `metrics.engine.initiative_effect` over each KPI's weekly values (entries for
measured nodes, values computed by the engine for formula nodes). This module adds what a page needs
around them: whether a change is better or worse given the KPI's direction, the cost per unit of
improvement, and why a figure is missing. Who may change an initiative and their letters A, B… are in
goals.initiatives.

Decisions where the number contract is silent:
- Weeks after the last complete week (the one before today's) are not used: the current week is not over.
- "Better" follows the KPI's direction: an increase for `higher`, a decrease for `lower`.
- The cost per unit shown is the cost per unit of *improvement*, cost / (|effect| x weeks after), and only
  where the KPI got better; where it got worse or did not change there is none (a negative or infinite
  "cost per unit" would read as a bargain). An initiative that aims at several KPIs counts its whole cost
  for each of them.
- The summary compares initiatives only within one KPI, since units differ between KPIs.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from goals.bounds import clamp_day
from goals.initiatives import letter
from goals.models import Initiative, Node
from metrics.engine import initiative_effect
from metrics.progress import progress_for_tree

DEFAULT_WEEKS = 4
WEEK_CHOICES = (2, 4, 8, 12)

BETTER, WORSE, NO_CHANGE = "better", "worse", "no_change"


# --- weekly values ----------------------------------------------------------------------------------------


def weekly_values(tree, codes, as_of_week):
    """{code: {week: value}} of the nodes `codes`: entries of measured nodes, engine values of formula nodes.

    Both come from the tree's progress at `as_of_week` (a measured node's weekly actuals are its entries in the
    period's weeks), which the dashboards of the same week computed already: metrics.progress keeps it.
    Nodes the progress leaves out (archived, or under an archived parent) have none.
    """
    codes = set(codes)
    if not codes:
        return {}
    progress, _tree_data = progress_for_tree(tree, as_of_week)
    values = {}
    for code in codes:
        node_progress = progress.nodes.get(code)
        weeks = node_progress.weeks if node_progress is not None else []
        values[code] = {item.week: item.actual for item in weeks if item.actual is not None}
    return values


# --- effect of one initiative on one KPI ------------------------------------------------------------------


@dataclass
class KpiEffect:
    """The before/after comparison of one initiative on one KPI, ready for a page."""

    node: Node
    start_week: date
    before_mean: Decimal | None
    after_mean: Decimal | None
    weeks_before: int
    weeks_after: int
    effect: Decimal | None  # after_mean - before_mean, signed
    verdict: str | None  # BETTER, WORSE, NO_CHANGE; None where the effect is missing
    cost_per_unit: Decimal | None  # cost per unit of improvement; only where the KPI got better
    reason: str = ""  # why the effect is missing
    cost_reason: str = ""  # why the cost per unit is missing

    @property
    def unit(self):
        return self.node.unit

    @property
    def is_better(self):
        return self.verdict == BETTER

    @property
    def sort_key(self):
        """Cheapest improvement first; improvements without a cost next; then no change, worse, missing."""
        if self.verdict == BETTER:
            if self.cost_per_unit is not None:
                return (0, self.cost_per_unit)
            return (1, Decimal(0))
        order = {NO_CHANGE: 2, WORSE: 3}
        return (order.get(self.verdict, 4), Decimal(0))


def verdict_of(effect, direction):
    if effect is None:
        return None
    if effect == 0:
        return NO_CHANGE
    improved = effect < 0 if direction == Node.Direction.LOWER else effect > 0
    return BETTER if improved else WORSE


def kpi_effect(node, weekly, weeks, start_date, cost, n=DEFAULT_WEEKS, until=None):
    """The effect of an initiative that starts on `start_date` on `node`, whose weekly values are `weekly`.

    A start date stored before dates were bounded (docs/numbers.md "Bounds") is read within 2000-2100.
    """
    result = initiative_effect(weekly, weeks, clamp_day(start_date), n=n, cost=cost, until=until)
    verdict = verdict_of(result.effect, node.direction)
    cost_per_unit = None
    if verdict == BETTER and result.cost_per_unit is not None:
        cost_per_unit = abs(result.cost_per_unit)
    reason = ""
    if result.effect is None:
        reason = _missing_reason(result, n, until)
    cost_reason = ""
    if cost_per_unit is None:
        if result.effect is None:
            cost_reason = reason
        elif verdict == WORSE:
            cost_reason = _("The KPI got worse after the start, so there is no cost per unit of improvement.")
        elif verdict == NO_CHANGE:
            cost_reason = _("The KPI did not change, so there is no cost per unit of improvement.")
        elif cost is None:
            cost_reason = _("No cost is entered for this initiative.")
    return KpiEffect(
        node=node,
        start_week=result.start_week,
        before_mean=result.before_mean,
        after_mean=result.after_mean,
        weeks_before=result.weeks_before,
        weeks_after=result.weeks_after,
        effect=result.effect,
        verdict=verdict,
        cost_per_unit=cost_per_unit,
        reason=reason,
        cost_reason=cost_reason,
    )


def _missing_reason(result, n, until):
    if until is not None and result.start_week > until:
        return _("It starts after the last complete week, so there are no weeks after the start yet.")
    if result.weeks_before == 0 and result.weeks_after == 0:
        return ngettext(
            "No values in the %(count)s week before the start or in the weeks from the start.",
            "No values in the %(count)s weeks before the start or in the weeks from the start.",
            n,
        ) % {"count": n}
    if result.weeks_before == 0:
        return ngettext(
            "No values in the %(count)s week before the start.",
            "No values in the %(count)s weeks before the start.",
            n,
        ) % {"count": n}
    return _("No values yet in the weeks from the start.")


# --- a tree's initiatives ---------------------------------------------------------------------------------


@dataclass
class InitiativeRow:
    initiative: Initiative
    effects: list[KpiEffect]
    can_change: bool = False
    letter: str = ""


@dataclass
class KpiSummary:
    """A KPI and its initiatives, cheapest improvement first: cost-effectiveness within one unit."""

    node: Node
    rows: list = field(default_factory=list)  # (InitiativeRow, KpiEffect)


def effects_for(tree, initiatives, nodes_by_id=None, n=DEFAULT_WEEKS, as_of_week=None):
    """An InitiativeRow per initiative (their `nodes` prefetched), with the effect on each of its KPIs."""
    initiatives = list(initiatives)
    as_of_week = as_of_week or tree.last_complete_week()
    targeted = {}
    for initiative in initiatives:
        for node in initiative.nodes.all():
            targeted[node.code] = node
    values = weekly_values(tree, targeted, as_of_week)
    weeks = tree.weeks
    rows = []
    for initiative in initiatives:
        nodes = sorted(initiative.nodes.all(), key=_node_order(nodes_by_id))
        effects = [
            kpi_effect(
                node, values.get(node.code, {}), weeks, initiative.start_date, initiative.cost, n=n, until=as_of_week
            )
            for node in nodes
        ]
        rows.append(InitiativeRow(initiative, effects))
    return rows


def summary(rows, ordered_nodes):
    """For each KPI that an initiative aims at (in tree order): its initiatives, cheapest improvement first."""
    by_node = {}
    for row in rows:
        for effect in row.effects:
            by_node.setdefault(effect.node.pk, []).append((row, effect))
    result = []
    for node in ordered_nodes:
        pairs = by_node.pop(node.pk, None)
        if pairs:
            pairs.sort(key=lambda pair: pair[1].sort_key)
            result.append(KpiSummary(node, pairs))
    for pairs in by_node.values():  # KPIs that were archived since
        pairs.sort(key=lambda pair: pair[1].sort_key)
        result.append(KpiSummary(pairs[0][1].node, pairs))
    return result


def _node_order(nodes_by_id):
    """Sort key: the node's place in the outline when known, else its position."""
    index = {pk: i for i, pk in enumerate(nodes_by_id or {})}
    return lambda node: (index.get(node.pk, len(index)), node.position, node.pk)


def node_rows(node, n=DEFAULT_WEEKS, as_of_week=None):
    """The node's initiatives lettered A, B… by start date, each an InitiativeRow with its effect on this node.

    Queries: the initiatives with their owners, and the tree's progress (metrics.progress: its nodes, and
    its entries only when not cached).
    """
    tree = node.tree
    initiatives = list(node.initiatives.select_related("owner").order_by("start_date", "id"))
    as_of_week = as_of_week or tree.last_complete_week()
    rows = []
    if initiatives:
        values = weekly_values(tree, [node.code], as_of_week).get(node.code, {})
        for index, initiative in enumerate(initiatives):
            effect = kpi_effect(
                node, values, tree.weeks, initiative.start_date, initiative.cost, n=n, until=as_of_week
            )
            rows.append(InitiativeRow(initiative, [effect], letter=letter(index)))
    return rows
