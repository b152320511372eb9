"""/api/v1/docs: the API's documentation as a page of our own, made from the OpenAPI schema on the server.

django-ninja's docs page loads Swagger UI from a CDN with an inline script, which the Content Security Policy
refuses; this page needs neither (no script at all) and follows the site's look and language.
"""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from metrics.api.endpoints import api
from metrics.api.schemas import MAX_BATCH_BYTES, MAX_BATCH_ROWS

METHODS = ("get", "post", "put", "patch", "delete")

# The operations in the reader's language; the schema itself stays in English, for tools.
OPERATION_TEXT = {
    "listTrees": (_("List the trees"), _("Every tree of the workspace, newest period first.")),
    "getTree": (
        _("A tree and its nodes"),
        _("The tree with its weeks and its active nodes; `writable` says which nodes this token may write."),
    ),
    "listEntries": (
        _("Read entries"),
        _("The stored entries of the tree's measured nodes for the weeks from `from` to `to`, by node then week."),
    ),
    "pushEntries": (
        _("Write entries in a batch"),
        _(
            "Create, change or delete entries: all rows or none, with every bad row reported by its index. The rows "
            "follow the rules of the entries CSV. Sending the same batch twice changes nothing the second time. "
            "Each change is recorded in the history of numbers with this token's name."
        ),
    ),
    "getProgress": (
        _("The tree's progress"),
        _("Every node's figures to the as-of week, and each week's actual and target (the progress JSON)."),
    ),
}


@login_not_required
@require_GET
def api_docs(request):
    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    operations = []
    for url, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                operations.append(_operation(url, method, item[method], components))
    base_url = request.build_absolute_uri(reverse("api-v1:api-root")).rstrip("/")
    return render(
        request,
        "metrics/api_docs.html",
        {
            "operations": operations,
            "schemas": [_schema(name, components) for name in _shown_schemas(operations, components)],
            "base_url": base_url,
            "schema_url": reverse("api-v1:openapi-json"),
            "max_rows": f"{MAX_BATCH_ROWS:,}",
            "max_megabytes": MAX_BATCH_BYTES // (1024 * 1024),
        },
    )


def _ref_name(schema):
    ref = (schema or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else ""


def _type(schema, components):
    """A short type for a table: string, integer, Tree, array of Node, string or number or null, ..."""
    if not schema:
        return ""
    if "$ref" in schema:
        return _ref_name(schema)
    if "anyOf" in schema:
        return " | ".join(_type(option, components) for option in schema["anyOf"])
    kind = schema.get("type", "")
    if kind == "array":
        return f"array of {_type(schema.get('items'), components)}"
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return kind


def _operation(url, method, operation, components):
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    responses = []
    for status, response in sorted(operation.get("responses", {}).items()):
        content = response.get("content", {}).get("application/json", {}).get("schema")
        responses.append({"status": status, "type": _type(content, components)})
    operation_id = operation.get("operationId", f"{method}-{url}")
    summary, description = OPERATION_TEXT.get(
        operation_id, (operation.get("summary", ""), operation.get("description", ""))
    )
    return {
        "id": operation_id,
        "method": method.upper(),
        "path": url,
        "summary": summary,
        "description": description,
        "parameters": [
            {
                "name": parameter["name"],
                "where": parameter["in"],
                "required": parameter.get("required", False),
                "type": _type(parameter.get("schema"), components),
                "description": parameter.get("description") or parameter.get("schema", {}).get("description", ""),
            }
            for parameter in operation.get("parameters", [])
        ],
        "body": _type(body, components),
        "responses": responses,
    }


def _shown_schemas(operations, components):
    """Every schema the operations name, and the schemas those name, in order of first mention."""
    names = []

    def visit(name):
        if name in names or name not in components:
            return
        names.append(name)
        for field in components[name].get("properties", {}).values():
            for part in [field, field.get("items", {}), *field.get("anyOf", [])]:
                visit(_ref_name(part) or _ref_name(part.get("items")))

    for operation in operations:
        for type_name in [operation["body"], *(response["type"] for response in operation["responses"])]:
            visit(type_name.removeprefix("array of "))
    return names


def _schema(name, components):
    schema = components[name]
    required = set(schema.get("required", []))
    return {
        "name": name,
        "description": schema.get("description", ""),
        "fields": [
            {
                "name": field_name,
                "type": _type(field, components),
                "required": field_name in required,
                "description": field.get("description", ""),
            }
            for field_name, field in schema.get("properties", {}).items()
        ],
    }
