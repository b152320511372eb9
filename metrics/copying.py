"""Copying a tree to the next period with last period's actuals as the new baselines.

The structure is copied by goals (goals/treefile/copying.py); this module adds the numbers: each node's
baseline in the copy is its actual over the old period (the progress engine, as of the old period's
end), null where it has none. The rules are in docs/files.md "Copy to the next period".
"""

from decimal import Decimal

from goals import treefile
from goals.bounds import storable
from goals.models import Tree
from metrics.progress import progress_for_tree
from metrics.progress_files import decimal_string


def period_actuals(tree) -> dict[str, Decimal | None]:
    """{node code: actual over the whole period} of the tree's active nodes, from the progress engine."""
    progress, _data = progress_for_tree(tree, tree.period_end)
    return {code: result.actual_to_date for code, result in progress.nodes.items()}


def baselines(tree) -> list[tuple]:
    """[(node, actual over the whole period)] for the copy page, in the engine's order."""
    nodes = {node.code: node for node in tree.nodes.active()}
    return [(nodes[code], actual) for code, actual in period_actuals(tree).items() if code in nodes]


def copy_tree(tree, code, name, period_start, period_end, user=None) -> Tree:
    """The next period's tree (goals.treefile.copy_tree) with each node's baseline set to its actual over
    the old period, rounded to 6 decimal places and 15 significant digits, and none where that actual is beyond
    the bound of docs/numbers.md "Bounds" (it could not be typed back); TreeFileError when the code is taken or
    the copy does not make a valid tree file."""
    actuals = {node: decimal_string(storable(actual)) for node, actual in period_actuals(tree).items()}
    return treefile.copy_tree(tree, code, name, period_start, period_end, user, baselines=actuals)
