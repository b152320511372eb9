"""The entry grid's context (docs/ui.md "GRID"): what each number is entered against.

For every row: the node's actual to date against its target to date at the tree's as-of week (the last
complete week, as on the dashboard), from the same cached progress as the dashboard (metrics.progress), so the
grid and the dashboard never disagree; `sum` nodes run against the sum of their weekly targets to date, the
others against the period target (docs/numbers.md "Targets over time").
For every cell: the week's target (seasonality weights included), last period's value of the week at the same
position (metrics.last_period) and, for an unusual entry, the usual value (metrics.entry_quality).

Queries: the grid's trees' nodes and their progress (one query for the nodes; one more for the entries when the
progress is not cached), and one for last period's entries when a tree has a previous period.

Decisions where docs/numbers.md leaves a choice:
- Totals to date run to the tree's last complete week whatever weeks the grid shows, as the dashboard's do; a
  number saved in the grid shows in them when the page is next loaded.
- Last period is shown for measured rows only (its entries); a formula row shows its weekly target.
"""

from datetime import date

from goals.targets import weekly_targets
from metrics.engine.types import AVERAGE, RECOMPUTE
from metrics.entry_quality import recent_values, series_flags, week_names
from metrics.last_period import grid_values
from metrics.progress import default_as_of, trees_progress


class GridContext:
    def __init__(self, trees, weeks_of: dict[int, list[date]]):
        self.computed = trees_progress(trees, default_as_of, notes_for=set())
        self.last = grid_values(trees, weeks_of)

    def nodes(self, tree):
        """The tree's active nodes reachable from its KGI, in tree order."""
        return self.computed[tree.pk].loaded.nodes

    def walk(self, tree):
        """[(node, depth)] in tree order."""
        loaded = self.computed[tree.pk].loaded
        return [(node, loaded.depths[node.code]) for node in loaded.nodes]

    def fill(self, tree_grid) -> None:
        """Set each row's totals to date and each cell's target, last period and usual value."""
        tree = tree_grid.tree
        item = self.computed[tree.pk]
        loaded, result = item.loaded, item.progress
        tree_grid.as_of_week = result.as_of_week
        tree_grid.previous = tree.previous if tree.previous_id else None
        all_weeks = list(loaded.data.weeks)
        position = {week: k for k, week in enumerate(all_weeks)}
        data_of = {data.code: data for data in loaded.data.nodes}
        names = week_names(loaded)
        memo = {}  # (target, aggregation) -> weekly targets, for nodes without weights
        for row in tree_grid.rows:
            node = row.node
            figures = result.nodes.get(node.code)
            if figures is not None:
                row.to_date = figures.actual_to_date
                row.target_to_date = figures.target_to_date
                row.achievement = figures.achievement
            data = data_of.get(node.code)
            weekly = [None] * len(all_weeks)
            if data is not None and data.target is not None and all_weeks:
                aggregation = data.aggregation
                if node.is_measured and aggregation == RECOMPUTE:
                    aggregation = AVERAGE  # as the engine aggregates it
                key = (str(data.target), aggregation) if data.weights is None else None
                if key in memo:
                    weekly = memo[key]
                else:
                    weekly = weekly_targets(data.target, aggregation, all_weeks, data.weights)
                    if key is not None:
                        memo[key] = weekly
            flags = {}
            if node.is_measured and tree_grid.weeks and any(getattr(cell, "entry", None) for cell in row.cells):
                values = recent_values(loaded, node.code, tree_grid.weeks[0], names)
                if values:
                    flags = series_flags(values, tree_grid.weeks)
            for cell in row.cells:
                k = position.get(cell.week)
                cell.target = weekly[k] if k is not None else None
                if node.is_measured:
                    cell.last = self.last.get((tree.pk, node.code, cell.week))
                    cell.usual = flags.get(cell.week)
