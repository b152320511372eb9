"""Bearer tokens (metrics.models.ApiToken) and the rate limit per token.

A request sends `Authorization: Bearer gt_...`. The secret's SHA-256 digest is looked up among tokens not
revoked; a token whose creator's account was deactivated stops working too. What a token may write is the
nodes owned by its departments that its creator still belongs to (all its departments for an admin's token,
or one made on the command line), unless it is read-only. Reading covers the whole workspace, as it does for
every signed-in person (docs/permissions.md).

Rate limit: at most settings.API_RATE_LIMIT requests per token per minute (a fixed window), counted in Django's
cache, which is Redis in production and so shared by every app server. When the cache does not answer (Redis
down: config.cache turns its errors into misses), each app server counts in its own memory instead, so a token
gets at most the limit per app server until Redis is back: the API keeps working, a little less strictly
limited, rather than refusing every integration during a cache outage.
"""

import math
import threading
import time
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from goals.access import access_for
from metrics.api.errors import ApiError
from metrics.models import ApiToken

WINDOW_SECONDS = 60
LAST_USE_PRECISION = timedelta(minutes=1)  # last use is written at most once a minute per token
MAX_SECRET_LENGTH = 200


class TokenAccess:
    """What one token may do, in the shape of goals.access.Access where metrics.csvfiles asks (`can_enter`)."""

    def __init__(self, token: ApiToken):
        self.token = token

    @cached_property
    def department_ids(self) -> set[int]:
        ids = set(self.token.departments.values_list("pk", flat=True))
        creator = self.token.created_by
        if creator is not None:
            creator_access = access_for(creator)
            if not creator_access.is_admin:
                ids &= creator_access.member_of
        return ids

    def can_enter(self, node) -> bool:
        if self.token.read_only or node.is_formula or node.is_archived:
            return False
        return node.department_id in self.department_ids

    def refusal(self, node) -> str:
        """Why a row for `node` is refused (metrics.csvfiles.check_rows)."""
        department = node.department.name if node.department_id else _("no department")
        return _(
            "this token cannot enter %(node)s: it belongs to %(department)s, which is not one of the token's "
            "departments. Use a token of %(department)s, or remove the row."
        ) % {"node": node.code, "department": department}


class BearerToken(HttpBearer):
    def authenticate(self, request, key):
        if not key.startswith(ApiToken.PREFIX) or len(key) > MAX_SECRET_LENGTH:
            return None
        token = ApiToken.objects.active().select_related("created_by").filter(key_hash=ApiToken.digest(key)).first()
        if token is None or (token.created_by is not None and not token.created_by.is_active):
            return None
        wait = rate_limit_wait(token.pk)
        if wait:
            raise ApiError(
                429,
                "rate_limited",
                _("Too many requests with this token: at most %(limit)s a minute. Send again in %(seconds)s seconds.")
                % {"limit": settings.API_RATE_LIMIT, "seconds": wait},
                headers={"Retry-After": str(wait)},
            )
        _note_use(token)
        return TokenAccess(token)


def _note_use(token):
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# The rate limit --------------------------------------------------------------------------------------------------

_local_counts: dict[str, int] = {}
_local_lock = threading.Lock()


def rate_limit_wait(token_id, now=None) -> int:
    """Count one request of this token; 0 when it may go on, else the seconds until its window ends."""
    limit = settings.API_RATE_LIMIT
    now = time.time() if now is None else now
    window_start = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
    key = f"goaltree:api-rate:{token_id}:{window_start}"
    count = _count_in_cache(key)
    if count is None:
        count = _count_locally(key, window_start)
    if count <= limit:
        return 0
    return max(1, math.ceil(window_start + WINDOW_SECONDS - now))


def _count_in_cache(key):
    """The window's count after this request, shared by every app server; None when the cache did not answer."""
    try:
        cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
        return cache.incr(key)
    except ValueError:  # the key went missing between add and incr (evicted, or a cache that keeps nothing)
        return None


def _count_locally(key, window_start):
    with _local_lock:
        for old in [k for k in _local_counts if int(k.rsplit(":", 1)[1]) < window_start]:
            del _local_counts[old]
        _local_counts[key] = _local_counts.get(key, 0) + 1
        return _local_counts[key]


def reset_local_counts():
    """Forget the counts kept in memory (tests)."""
    with _local_lock:
        _local_counts.clear()
