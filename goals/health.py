"""Tree health: where a tree breaks the rules of docs/numbers.md, node by node, for the panel on the tree page.

`tree_health(tree, nodes=None)` returns a list of `Problem`s in tree order (parents first, siblings in
their order), each naming its node, a `kind`, a message in the active language and the numbers behind
it. It runs one query whatever the size of the tree: the active nodes with their departments and
whether each department has members (or, when the caller passes the nodes it already loaded, only
the departments' members).

Decisions where docs/numbers.md leaves a choice:
- Only active nodes count. An active node whose parent is archived is reported as `detached` (it is
  linked to nothing) and its other problems are not listed until it is linked again.
- "Targets that do not add up" follows the engine (metrics.engine): the formula applied to the targets
  of the children it uses, against the node's own target; a difference over 1% of that target (any
  difference when it is 0). Not checked while a child target is missing (that child is reported as
  having no target) or when the formula divides by zero.
- A formula that cannot be used (it does not parse, names a code that is not an active node or makes a
  cycle) is reported as `bad_formula`, a breakdown that cannot be used (not over the node's direct
  children) as `bad_breakdown`; their unused children and targets are not checked.
- A breakdown's targets are checked like a formula's. Aggregation: a `sum` node whose unit is % is
  `sum_of_rate`; a `sum` measured node whose name says rate, ratio, average or unit price is
  `sum_of_rate_name` (docs/numbers.md "Aggregation"). Both are warnings: the stored aggregation is never
  changed by the check.
- The KGI needs no owner department; every KPI does. An owner department without members is reported
  on every node it owns.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from goals import formatting, outline
from goals.formulas import EvaluationError, FormulaError, unused_children
from goals.formulas.rules import check_breakdown, check_formula, tree_nodes
from goals.models import Membership
from goals.targets import targets_differ

NO_TARGET = "no_target"
NO_UNIT = "no_unit"
NO_DEFINITION = "no_definition"
TOO_DEEP = "too_deep"
DETACHED = "detached"
BAD_FORMULA = "bad_formula"
BAD_BREAKDOWN = "bad_breakdown"
SUM_OF_RATE = "sum_of_rate"
SUM_OF_RATE_NAME = "sum_of_rate_name"
UNUSED_CHILDREN = "unused_children"
TARGETS_DO_NOT_ADD_UP = "targets_do_not_add_up"
NO_DEPARTMENT = "no_department"
DEPARTMENT_WITHOUT_MEMBERS = "department_without_members"

KIND_ORDER = (
    DETACHED,
    NO_TARGET,
    TARGETS_DO_NOT_ADD_UP,
    BAD_FORMULA,
    BAD_BREAKDOWN,
    SUM_OF_RATE,
    SUM_OF_RATE_NAME,
    UNUSED_CHILDREN,
    TOO_DEEP,
    NO_UNIT,
    NO_DEFINITION,
    NO_DEPARTMENT,
    DEPARTMENT_WITHOUT_MEMBERS,
)


@dataclass
class Problem:
    node: object  # goals.models.Node
    kind: str
    message: str
    expected: Decimal | None = None  # targets_do_not_add_up: the formula applied to the children's targets
    target: Decimal | None = None  # targets_do_not_add_up: the node's own target
    depth: int | None = None  # too_deep: levels below the KGI
    limit: int | None = None  # too_deep: the tree's maximum depth
    codes: tuple[str, ...] = field(default_factory=tuple)  # children concerned (unused, or used in the check)


def tree_health(tree, nodes=None) -> list[Problem]:
    """Every problem of the tree's active nodes, in tree order; see the module docstring."""
    if nodes is None:
        members = Membership.objects.filter(department_id=OuterRef("department_id"))
        nodes = list(
            tree.nodes.active()
            .select_related("department")
            .annotate(department_has_members=Exists(members))
            .order_by("position", "pk")
        )
        staffed = {node.department_id for node in nodes if node.department_id and node.department_has_members}
    else:
        nodes = [node for node in nodes if node.archived_at is None]
        department_ids = {node.department_id for node in nodes if node.department_id}
        staffed = (
            set(Membership.objects.filter(department_id__in=department_ids).values_list("department_id", flat=True))
            if department_ids
            else set()
        )
    return _problems(tree, nodes, staffed)


def _problems(tree, nodes, staffed):
    children = {}
    for node in sorted(nodes, key=lambda n: (n.position, n.pk)):
        children.setdefault(node.parent_id, []).append(node)

    problems = []
    every = tree_nodes(_with_parent_codes(nodes))
    by_code = {node.code: node for node in nodes}
    ordered = outline.tree_order(nodes)  # (node, depth) from the KGI; detached branches are left out
    for node in outline.detached_tops(nodes):
        if node.parent_id is not None:
            problems.append(
                Problem(
                    node,
                    DETACHED,
                    _("Its parent is archived, so it is not linked to the KGI. Move it under an active node."),
                )
            )

    for node, depth in ordered:
        found = []
        kids = children.get(node.pk, [])
        if node.target is None:
            found.append(Problem(node, NO_TARGET, _("No target. Set a number: until then it is shown as incomplete.")))
        if not node.unit.strip():
            found.append(Problem(node, NO_UNIT, _("No unit. Set what it is counted in, such as 件, 円 or %.")))
        if not node.definition.strip():
            found.append(
                Problem(
                    node,
                    NO_DEFINITION,
                    _(
                        "No definition. Write what is counted, from which source and by whom, so that other "
                        "departments read it the same way."
                    ),
                )
            )
        if depth > tree.max_depth:
            found.append(
                Problem(
                    node,
                    TOO_DEEP,
                    _(
                        "It is %(depth)s levels below the KGI, deeper than this tree's limit of %(limit)s. "
                        "Link it higher up or merge it into its parent."
                    )
                    % {"depth": depth, "limit": tree.max_depth},
                    depth=depth,
                    limit=tree.max_depth,
                )
            )
        if node.is_formula:
            found.extend(_formula_problems(node, kids, every, by_code))
        elif node.has_breakdown:
            found.extend(_breakdown_problems(node, kids, every))
        found.extend(_aggregation_problems(node))
        if node.parent_id is not None and node.department_id is None:
            found.append(
                Problem(node, NO_DEPARTMENT, _("No owner department. Choose the department responsible for it."))
            )
        if node.department_id is not None and node.department_id not in staffed:
            found.append(
                Problem(
                    node,
                    DEPARTMENT_WITHOUT_MEMBERS,
                    _(
                        "Its owner department %(department)s has no members, so nobody can enter its numbers. "
                        "Add people to the department or choose another one."
                    )
                    % {"department": node.department.name},
                )
            )
        problems.extend(sorted(found, key=lambda problem: KIND_ORDER.index(problem.kind)))
    return problems


def _with_parent_codes(nodes):
    by_id = {node.pk: node for node in nodes}
    for node in nodes:
        parent = by_id.get(node.parent_id)
        node.parent_code = parent.code if parent is not None else None
    return nodes


RATE_WORDS = ("率", "割合", "平均", "単価", "rate", "ratio", "average", "per")


def _aggregation_problems(node):
    if node.aggregation != "sum":
        return []
    if node.unit.strip() in ("%", "％"):
        return [
            Problem(
                node,
                SUM_OF_RATE,
                _(
                    "Its unit is % but its numbers are summed over weeks (aggregation “sum”), so 5% a week would "
                    "show as 65% a quarter. Choose “average” for an entered rate, or make it a calculated node "
                    "(“recompute”)."
                ),
            )
        ]
    name = node.name.lower()
    if node.is_measured and any(word in name for word in RATE_WORDS):
        return [
            Problem(
                node,
                SUM_OF_RATE_NAME,
                _(
                    "Its name says it is a rate, a ratio, an average or a unit price, but its numbers are summed "
                    "over weeks (aggregation “sum”). Check the aggregation: “average” for a level, or compute it "
                    "from counts with a formula."
                ),
            )
        ]
    return []


def _breakdown_problems(node, kids, every):
    try:
        formula = check_breakdown(node.breakdown, node.code, node.name, every)
    except FormulaError as error:
        return [Problem(node, BAD_BREAKDOWN, _("Its breakdown cannot be used: %(error)s") % {"error": error.message})]
    mismatch = _targets_mismatch(node, formula, kids, breakdown=True)
    return [mismatch] if mismatch else []


def _formula_problems(node, kids, every, by_code):
    try:
        formula = check_formula(node.formula, node.code, node.name, every)
    except FormulaError as error:
        return [
            Problem(
                node,
                BAD_FORMULA,
                _("Its formula cannot be used: %(error)s") % {"error": error.message},
            )
        ]
    found = []
    unused = unused_children(formula, [kid.code for kid in kids])
    if unused:
        kid_names = {kid.code: kid.name for kid in kids}
        found.append(
            Problem(
                node,
                UNUSED_CHILDREN,
                _(
                    "Its formula does not use %(children)s. Every child of a formula node must appear in its "
                    "formula: use them, or move them under the node they drive."
                )
                % {"children": _names(kid_names[code] for code in unused)},
                codes=tuple(unused),
            )
        )
    mismatch = _targets_mismatch(node, formula, [by_code[code] for code in formula.references if code in by_code])
    if mismatch:
        found.append(mismatch)
    return found


def _targets_mismatch(node, formula, kids, breakdown=False):
    if node.target is None:
        return None
    targets = {kid.code: kid.target for kid in kids if kid.code in formula.references}
    if any(targets.get(code) is None for code in formula.references):
        return None
    try:
        expected = formula.evaluate(targets)
    except EvaluationError:
        return None
    target = node.target
    if not targets_differ(expected, target):
        return None
    names = {kid.code: kid.name for kid in kids}
    values = {
        "children": _names(names[code] for code in formula.references),
        "expected": _shown(expected, node.unit),
        "node": node.name,
        "target": _shown(target, node.unit),
    }
    if breakdown:
        message = (
            _(
                "Through its breakdown, the targets of %(children)s give %(expected)s, but the target of %(node)s is "
                "%(target)s."
            )
            % values
        )
    elif node.parent_id is None:
        message = _("The targets of %(children)s give %(expected)s, but the KGI target is %(target)s.")
        message %= values
    else:
        message = (
            _("The targets of %(children)s give %(expected)s, but the target of %(node)s is %(target)s.") % values
        )
    return Problem(
        node,
        TARGETS_DO_NOT_ADD_UP,
        message,
        expected=expected,
        target=target,
        codes=tuple(formula.references),
    )


def _shown(value, unit):
    """A figure in a message: full digits, at most 2 decimals (1 for %), with the unit."""
    if value != value.to_integral_value():
        places = 1 if unit.strip() in ("%", "％") else 2
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return formatting.number(value, unit)


def _names(names):
    quoted = [_("“%(name)s”") % {"name": name} for name in names]
    return pgettext("list separator", ", ").join(quoted)
