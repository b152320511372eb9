"""The one place the API and its webhooks ask for a tree's progress (metrics.progress_cache, metrics.loading)."""

from metrics.loading import progress_to_json
from metrics.progress_cache import cached_progress


def progress_json(tree, as_of=None) -> dict:
    """docs/files.md "Progress" at `as_of` (default: the last complete week)."""
    progress, tree_data = cached_progress(tree, as_of)
    return progress_to_json(progress, tree_data)
