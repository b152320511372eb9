"""The tree as the engine works on it: nodes linked to their parent and children, formulas parsed once."""

from collections.abc import Mapping
from decimal import Decimal

from goals.formulas import FormulaError
from goals.formulas.rules import TreeNode, check_breakdown, check_formula
from metrics.engine.evaluation import evaluate
from metrics.engine.types import (
    AVERAGE,
    BREAKDOWN_ERROR,
    FORMULA_ERROR,
    LAST,
    RECOMPUTE,
    SUM,
    EngineWarning,
    NodeData,
    TreeData,
)


class Node:
    """A node with its parsed formula and computed series (internal to the engine, mutable)."""

    __slots__ = (
        "data",
        "code",
        "parent",
        "children",
        "formula",
        "refs",
        "inputs",
        "additive",
        "coefficients",
        "error",
        "measured",
        "complete",
        "forecast_complete",
        "plain",
        "fast",
        "aggregation",
        "weekly",
        "reasons",
        "run_actual",
        "run_reasons",
        "weekly_forecast",
        "run_forecast",
        "projection",
        "breakdown",
        "breakdown_inputs",
        "due",
        "uniform",
    )

    def __init__(self, data):
        self.data = data
        self.code = data.code
        self.parent = None
        self.children = []
        self.formula = None  # goals.formulas.Formula; None for a measured node or a formula that cannot be used
        self.refs = ()  # the codes the formula uses, in its order
        self.inputs = []  # the children those codes name, in the same order
        self.additive = False  # the formula is a sum of its inputs times constants
        self.coefficients = None  # input code -> coefficient, for an additive formula (`coefficient`)
        self.error = None
        self.measured = not data.is_formula
        self.complete = False  # a value in every week up to the as-of week (weekly[: d + 1])
        self.forecast_complete = False  # a value in every week of its weekly forecast
        self.plain = True  # every value of its series is a finite Decimal (measured: checked on its entries)
        self.fast = False  # its formula is evaluated over whole series (formulas.Formula.evaluate_series)
        self.projection = None
        self.breakdown = None  # goals.formulas.Formula of a measured node's breakdown; None without a usable one
        self.breakdown_inputs = []  # the children the breakdown uses, in its references' order
        self.due = None  # monthly measured nodes: whether each week of the period is a due week
        self.uniform = True  # every projected week has the same forecast (not so below a monthly node)
        aggregation = data.aggregation if data.aggregation in (SUM, AVERAGE, LAST, RECOMPUTE) else SUM
        if self.measured and aggregation == RECOMPUTE:
            aggregation = AVERAGE  # nothing to recompute
        self.aggregation = aggregation

    def coefficient(self, code):
        """For an additive formula: the constant its input `code` is multiplied by (None if it has none).

        That is the formula with `code` at 1 and every other input at 0. The first call computes every input's
        at once, one input per position of Formula.evaluate_series (which gives exactly what evaluate gives);
        where that does not apply, each is evaluated on its own.
        """
        if self.coefficients is None:
            size = len(self.refs)
            zero, one = Decimal(0), Decimal(1)
            series = [[one if i == k else zero for k in range(size)] for i in range(size)]
            values = self.formula.evaluate_series(series, size)
            self.coefficients = dict(zip(self.refs, values, strict=True)) if values is not None else {}
        if code not in self.coefficients:
            values = dict.fromkeys(self.refs, Decimal(0))
            values[code] = Decimal(1)
            self.coefficients[code], _reason = evaluate(self.formula, values)
        return self.coefficients[code]


def prepare(tree: TreeData, warnings: list) -> tuple[list[Node], list[Node]]:
    """The nodes in tree order and in evaluation order (every formula's inputs first), formulas parsed."""
    nodes = {}
    for data in tree.nodes:
        if data.code in nodes:
            raise ValueError(f"node code {data.code!r} appears twice in tree {tree.code!r}")
        nodes[data.code] = Node(data)
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.data.parent) if node.data.parent is not None else None
        node.parent = parent
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    tree_order = []
    stack = [(root, False) for root in reversed(roots)]
    while stack:
        node, done = stack.pop()
        if done:
            tree_order.append(node)
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.children))
    if len(tree_order) != len(nodes):
        raise ValueError(f"the parents of tree {tree.code!r} form a cycle")
    every = rule_nodes({code: node.data for code, node in nodes.items()})
    for node in nodes.values():
        if not node.measured:
            _parse_formula(node, nodes, every, warnings)
        elif node.data.breakdown.strip():
            _parse_breakdown(node, every, warnings)
    return list(nodes.values()), _evaluation_order(tree_order)


def rule_nodes(data: Mapping[str, NodeData]) -> dict[str, TreeNode]:
    """code -> the node as the formula rules see it (goals.formulas.rules), for the engine's node data."""
    return {code: TreeNode(code, node.name or code, node.parent, node.formula or "") for code, node in data.items()}


def uses(parent, child) -> str | None:
    """How `parent` carries a change of its child `child`: "formula", "breakdown", "other" (its
    formula uses nodes other than its direct children), or None (a driver link)."""
    if parent.formula is not None:
        if child.code not in parent.refs:
            return None
        return "formula" if all(node.parent is parent for node in parent.inputs) else "other"
    if parent.breakdown is not None and child in parent.breakdown_inputs:
        return "breakdown"
    return None


def _parse_breakdown(node: Node, every, warnings: list) -> None:
    """A measured node's breakdown over its direct children; one that cannot be used is warned about and ignored."""
    try:
        node.breakdown = check_breakdown(node.data.breakdown, node.code, node.data.name or node.code, every)
    except FormulaError as error:
        warnings.append(EngineWarning(BREAKDOWN_ERROR, node.code, detail=error.message))
    else:
        by_code = {child.code: child for child in node.children}
        node.breakdown_inputs = [by_code[code] for code in node.breakdown.references]


def _evaluation_order(tree_order):
    """Children before parents, and every formula's inputs before it (a rate beside its counts uses its parent).

    Formulas that make a cycle were refused by _parse_formula, so the inputs form no cycle.
    """
    order = []
    placed = set()
    for start in tree_order:
        stack = [(start, False)]
        while stack:
            node, ready = stack.pop()
            if id(node) in placed:
                continue
            if ready:
                placed.add(id(node))
                order.append(node)
                continue
            stack.append((node, True))
            stack.extend((other, False) for other in reversed(node.inputs) if id(other) not in placed)
    return order


def _parse_formula(node: Node, nodes, every, warnings: list) -> None:
    """Parse the node's formula under the tree's rules (any node of the tree, no cycle: goals.formulas.rules)."""
    try:
        node.formula = check_formula(node.data.formula, node.code, node.data.name or node.code, every)
    except FormulaError as error:
        node.error = error.message
        warnings.append(EngineWarning(FORMULA_ERROR, node.code, detail=node.error))
    else:
        node.refs = node.formula.references
        node.inputs = [nodes[code] for code in node.refs]
        node.additive = node.formula.is_additive()
