"""Running the background worker inside a test."""

import signal

from django.core.management import call_command


def run_worker():
    """Run every task queued so far, as `manage.py db_worker` does, and return.

    The worker installs its own SIGINT/SIGTERM handlers; pytest's are given back afterwards."""
    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
