"""Logging helpers for settings.LOGGING."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A refused request (4xx: 403 permission denied, 404, 400) is the client's doing, not a fault of ours: log
    its one line without the exception's traceback, which Django attaches to it."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
