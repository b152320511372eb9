"""The JSON API under /api/v1/ (docs/api.md): integrations read trees, entries and progress, and push entries.

Built on django-ninja, which writes the OpenAPI schema from these functions' types. `endpoints` holds the
operations, `schemas` their shapes, `auth` the bearer tokens and the rate limit, `errors` the one JSON shape of
every refusal, `urls` the URL patterns and `docs` the readable page made from the schema. Writes go through the
same checks and the same write path as the entries CSV (metrics.csvfiles.check_rows and apply).
"""
