"""Background work queued when a transaction commits, once per transaction."""

from django.db import connection, transaction


def on_commit_once(callback) -> None:
    """transaction.on_commit(callback), unless a callback equal to it (==) is already waiting for the same commit.

    Django drops the callbacks of a transaction rolled back, so a callback still listed is one still to run. The
    callbacks that use this compare equal when they would do the same work (a dataclass of what they queue)."""
    if any(waiting == callback for _savepoints, waiting, *_rest in connection.run_on_commit):
        return
    transaction.on_commit(callback)
