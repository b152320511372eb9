"""GET /healthz: for load balancers and monitoring (docs/operations.md)."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("goaltree.health")
PROBE_KEY = "goaltree:health"


@login_not_required
@never_cache
@require_GET
def health(request):
    """200 while the database answers (the app works), 503 when it does not.

    The cache is reported but not required: without Redis every page still answers, only slower, so a load
    balancer must not take app servers out for it; monitoring alerts on `"cache": "unreachable"` instead.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.error("health: the database does not answer: %s", exc)
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    cache.set(PROBE_KEY, "ok", 30)
    cache_state = "ok" if cache.get(PROBE_KEY) == "ok" else "unreachable"
    return JsonResponse({"status": "ok", "database": "ok", "cache": cache_state})
