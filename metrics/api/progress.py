"""The one place the API and its webhooks ask for a tree's progress (metrics.progress, metrics.progress_files)."""

from metrics.progress import progress_for_tree
from metrics.progress_files import progress_to_json


def progress_json(tree, as_of=None) -> dict:
    """docs/files.md "Progress" at `as_of` (default: the last complete week)."""
    progress, tree_data = progress_for_tree(tree, as_of)
    return progress_to_json(progress, tree_data)
