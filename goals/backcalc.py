"""Back-calculation down the tree (逆算, docs/numbers.md "Targets over time"): one KGI target fills the funnel.

`chain(tree)` walks down from the KGI. At each node with a formula (formula nodes) or a breakdown (measured
nodes) and a target (its proposed one when the walk proposed one), it solves for the one *count* that the
formula uses, the others' targets held as they are, and goes on from that count:

- a count is a measured node whose unit is not %; rates are formula nodes (computed from counts) or % nodes;
- when the formula uses several counts, the one that has a breakdown or formula of its own (it carries the
  chain further) is solved for; when that still leaves several, the one without a target; a node where that
  leaves several (or none) gets no proposal, with the reason;
- the other inputs need targets; a proposal is the exact solution (goals.formulas.solve, 6 decimal places),
  not rounded, so the targets add up and the health panel shows no mismatch.

`apply(tree, proposals, user)` saves them all in one transaction, each a versioned save (history, data
version), refusing with VersionConflict when any node changed since the proposals were shown.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from goals import formulas
from goals.formulas import rules
from goals.models import ChangeAction, Node, VersionConflict

PERCENT = ("%", "％")


@dataclass
class Step:
    """The proposal for one count: `node` (a Node), its current and proposed target, from `source` by `formula`."""

    node: Node
    source: Node
    formula_shown: str
    current: Decimal | None
    proposed: Decimal | None = None
    exact: bool = True
    reason: str = ""

    @property
    def changes(self):
        return self.proposed is not None and self.proposed != self.current


@dataclass
class Chain:
    steps: list[Step] = field(default_factory=list)
    kgi: Node | None = None

    @property
    def changes(self):
        return [step for step in self.steps if step.changes]


def _is_count(node):
    return node.is_measured and node.unit.strip() not in PERCENT


def _text(node):
    return node.formula if node.is_formula else node.breakdown if node.has_breakdown else ""


def _names(nodes):
    return pgettext("list separator", ", ").join(_("“%(name)s”") % {"name": node.name} for node in nodes)


def chain(tree) -> Chain:
    """Every count's proposed target, walking down from the KGI (module docstring)."""
    nodes = list(tree.nodes.active().select_related("parent").order_by("position", "pk"))
    every = rules.tree_nodes(nodes)
    names = {code: node.name for code, node in every.items()}
    by_code = {node.code: node for node in nodes}
    kgi = next((node for node in nodes if node.parent_id is None), None)
    result = Chain(kgi=kgi)
    if kgi is None:
        return result
    targets = {node.code: node.target for node in nodes}
    queue = [kgi]
    seen = set()
    while queue:
        node = queue.pop(0)
        if node.code in seen:
            continue
        seen.add(node.code)
        text = _text(node)
        if not text.strip() or targets.get(node.code) is None:
            continue
        try:
            if node.is_formula:
                formula = rules.check_formula(text, node.code, node.name, every)
            else:
                formula = rules.check_breakdown(text, node.code, node.name, every)
        except formulas.FormulaError:
            continue  # the health panel reports it
        used = [by_code[code] for code in formula.references if code in by_code]
        counts = [other for other in used if _is_count(other) and other.code not in seen]
        if len(counts) > 1:
            carrying = [other for other in counts if _text(other).strip()]
            counts = carrying or counts
        if len(counts) > 1:
            without = [other for other in counts if targets.get(other.code) is None]
            counts = without or counts
        shown = rules.to_names(text, names)
        if len(counts) != 1:
            if len(counts) > 1:
                step = Step(counts[0], node, shown, counts[0].target)
                step.reason = _(
                    "%(node)s uses several counts (%(names)s): set the targets of all but one, then derive again."
                ) % {"node": node.name, "names": _names(counts)}
                result.steps.append(step)
            continue
        unknown = counts[0]
        step = Step(unknown, node, shown, unknown.target)
        missing = [other for other in used if other is not unknown and targets.get(other.code) is None]
        if missing:
            step.reason = _("Set the target of %(names)s first: the other targets are held as they are.") % {
                "names": _names(missing)
            }
        else:
            try:
                solution = formulas.solve(formula, unknown.code, targets[node.code], targets)
            except (formulas.NoSolution, formulas.EvaluationError) as error:
                step.reason = error.message
            else:
                step.proposed, step.exact = solution.value, solution.exact
                targets[unknown.code] = solution.value
                queue.append(unknown)
        result.steps.append(step)
    return result


def fingerprint(steps) -> str:
    """What the page showed: node id, version and proposed value of each change, for the apply check."""
    return ";".join(f"{step.node.pk}:{step.node.version}:{step.proposed}" for step in steps)


def apply(tree, shown: str, user) -> list[Step]:
    """Save every proposed target in one transaction; VersionConflict when the proposals are not the ones shown."""
    with transaction.atomic():
        steps = chain(tree).changes
        if not steps or fingerprint(steps) != shown:
            raise VersionConflict(None)
        for step in steps:
            step.node.save_versioned(user, {"target": step.proposed}, step.node.version, ChangeAction.UPDATE)
    return steps
