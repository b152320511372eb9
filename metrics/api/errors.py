"""Every refusal under /api/ is JSON of one shape, never an HTML page:

    {"code": "invalid_rows", "message": "...", "details": [{"index": 3, "field": "value", "code": "invalid",
     "message": "...", "node": "leads", "week": "2026-11-23"}]}

`code` is stable (clients branch on it); `message` is in the request's language (Accept-Language); `details`
lists one item per problem (a row of a batch, or a parameter), empty when there is none to list.
The handlers below are installed on the NinjaAPI; `page_not_found` and friends are the project's handler404,
handler500, ... (config/urls.py), which answer JSON under /api/ and Django's pages elsewhere.
"""

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from ninja.errors import AuthenticationError, HttpError, ValidationError

from metrics.api.schemas import MAX_BATCH_BYTES, MAX_BATCH_ROWS

API_PREFIX = "/api/"

logger = logging.getLogger("goaltree.api")


class ApiError(Exception):
    """A refusal with its status, stable code, message and details (each a dict, as in the module docstring)."""

    def __init__(self, status, code, message, details=(), headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details)
        self.headers = headers or {}


class BatchTooLarge(Exception):
    """The body is over the byte limit or holds more rows than a batch may (checked before the rows are read)."""


def error_response(status, code, message, details=(), headers=None):
    response = JsonResponse(
        {"code": code, "message": str(message), "details": list(details)},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def too_large_error():
    return ApiError(
        413,
        "too_large",
        _("The batch is too large: send at most %(rows)s rows and %(megabytes)s MB at a time, in several batches.")
        % {"rows": f"{MAX_BATCH_ROWS:,}", "megabytes": MAX_BATCH_BYTES // (1024 * 1024)},
    )


def _status_error(status):
    """The code and message of a bare HTTP status."""
    known = {
        400: ("bad_request", _("The request could not be read.")),
        401: ("unauthorized", _("Send a valid API token in the header Authorization: Bearer <token>.")),
        403: ("forbidden", _("This token may not do this.")),
        404: ("not_found", _("There is nothing at this address. The API's addresses are listed at /api/v1/docs.")),
        405: ("method_not_allowed", _("This address does not accept this method.")),
        413: ("too_large", _("The request is too large.")),
        429: ("rate_limited", _("Too many requests. Wait, then send again.")),
    }
    if status in known:
        return known[status]
    if status >= 500:
        return "server_error", _("Something went wrong on our side; nothing was saved. Try again later.")
    return "error", _("The request was refused.")


def _validation_details(errors):
    """pydantic's problems as details: a batch row's index where the problem is in one, and the field."""
    details = []
    for error in errors:
        loc = [part for part in error.get("loc", ()) if part not in ("body", "query", "path", "batch")]
        index = None
        if len(loc) >= 2 and loc[0] == "rows" and isinstance(loc[1], int):
            index = loc[1]
            loc = loc[2:]
        details.append(
            {
                "index": index,
                "field": ".".join(str(part) for part in loc) or None,
                "code": "invalid",
                "message": error.get("msg", ""),
            }
        )
    return details


def install(api):
    """Put the JSON handlers on the NinjaAPI in place of django-ninja's own."""

    def on_api_error(request, exc):
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    def on_validation_error(request, exc):
        return error_response(
            422,
            "invalid_request",
            _("The request does not have the expected shape; nothing was saved. See details."),
            _validation_details(exc.errors),
        )

    def on_authentication_error(request, exc):
        code, message = _status_error(401)
        return error_response(401, code, message, headers={"WWW-Authenticate": 'Bearer realm="goaltree"'})

    def on_http_error(request, exc):
        cause = exc.__cause__
        if isinstance(cause, BatchTooLarge | RequestDataTooBig):
            return on_api_error(request, too_large_error())
        if isinstance(cause, ValueError):  # json.JSONDecodeError, or a number too long for Python to read
            return error_response(
                400, "bad_json", _("The body is not valid JSON (%(error)s); nothing was saved.") % {"error": cause}
            )
        code, message = _status_error(exc.status_code)
        return error_response(exc.status_code, code, message)

    def on_not_found(request, exc):
        return error_response(404, *_status_error(404))

    def on_too_big(request, exc):
        return on_api_error(request, too_large_error())

    def on_exception(request, exc):
        logger.exception("API request %s %s failed", request.method, request.path)
        return error_response(500, *_status_error(500))

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(AuthenticationError, on_authentication_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(Exception, on_exception)


def as_json_error(response):
    """A response of ours, or django-ninja's bare refusal (405 and the like) turned into the JSON shape."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
        return response
    converted = error_response(response.status_code, *_status_error(response.status_code))
    if response.has_header("Allow"):
        converted["Allow"] = response["Allow"]
    return converted


def is_api(request):
    return request.path.startswith(API_PREFIX)


# The project's error views (config/urls.py): JSON under /api/, Django's pages elsewhere.


def bad_request(request, exception):
    if is_api(request):
        return error_response(400, *_status_error(400))
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api(request):
        return error_response(403, *_status_error(403))
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if is_api(request):
        return error_response(404, *_status_error(404))
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return error_response(500, *_status_error(500))
    return defaults.server_error(request)
