"""The production cache: Redis through django-redis, and pages that keep working when Redis does not.

Everything Goaltree keeps in the cache (dashboard fragments, computed progress) can be computed again from
PostgreSQL, so a cache outage must cost speed, never a page. django-redis already turns connection errors
into misses when IGNORE_EXCEPTIONS is on; this backend adds two things on top:

- After a failure, Redis is not tried again for RETRY_SECONDS in this process: requests then skip it at once
  instead of each waiting for a connection that times out (a firewalled Redis host never refuses, it hangs).
- The outage is logged once per LOG_INTERVAL_SECONDS per process and per Redis server, with the number of
  failures left unlogged meanwhile, instead of a traceback on every request.

The state is per process and shared by its threads (Django makes one cache object per thread).
"""

import logging
import sys
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted

RETRY_SECONDS = 10
LOG_INTERVAL_SECONDS = 60

logger = logging.getLogger("goaltree.cache")


@dataclass
class _Outage:
    retry_at: float = 0.0  # time.monotonic() before which Redis is not tried
    log_at: float = 0.0  # time.monotonic() before which the outage is not logged again
    unlogged: int = 0  # failures since the last log line


_outages: dict[str, _Outage] = {}
_lock = threading.Lock()


def reset_outages():
    """Forget every recorded outage (tests, and nothing else, need a clean slate)."""
    with _lock:
        _outages.clear()


class _Skipped(Exception):
    """Redis failed a moment ago: this call did not try it."""


class _SkippingClient:
    """Stands in for django-redis's client while Redis is down: every call fails at once, as a miss."""

    def __getattr__(self, name):
        def skipped(*args, **kwargs):
            raise ConnectionInterrupted(connection=None) from _Skipped()

        return skipped


_SKIPPING = _SkippingClient()


def _displayed(location: str) -> str:
    """The Redis URL without its password, for the log."""
    parts = urlsplit(location)
    if parts.password:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
    return location


class _OutageLog:
    """Takes django-redis's "Exception ignored" calls (made inside its except block) and rations them."""

    def __init__(self, server: str):
        self.server = server

    def exception(self, msg, *args, **kwargs):
        error = sys.exc_info()[1]
        cause = getattr(error, "__cause__", None)
        if isinstance(cause, _Skipped):
            return
        now = time.monotonic()
        with _lock:
            outage = _outages.setdefault(self.server, _Outage())
            outage.retry_at = now + RETRY_SECONDS
            if now < outage.log_at:
                outage.unlogged += 1
                return
            outage.log_at = now + LOG_INTERVAL_SECONDS
            unlogged, outage.unlogged = outage.unlogged, 0
        logger.warning(
            "The cache (Redis at %s) is unreachable: %s. Pages are computed from the database; Redis is tried "
            "again every %s seconds and this is logged at most once every %s seconds (%s failures not logged "
            "since the last time).",
            _displayed(self.server),
            cause or error,
            RETRY_SECONDS,
            LOG_INTERVAL_SECONDS,
            unlogged,
        )


class ResilientRedisCache(RedisCache):
    """django-redis's RedisCache that treats Redis being down as misses, cheaply and with a rationed log."""

    def __init__(self, server, params):
        options = {"IGNORE_EXCEPTIONS": True, **params.get("OPTIONS", {})}
        super().__init__(server, {**params, "OPTIONS": options})
        self._log_ignored_exceptions = True
        self.logger = _OutageLog(server)

    @property
    def client(self):
        outage = _outages.get(self._server)
        if outage is not None and time.monotonic() < outage.retry_at:
            return _SKIPPING
        return super().client
