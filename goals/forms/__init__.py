"""The forms of goals, one module per domain: trees, nodes, targets, initiatives, comments, tree files, people."""
