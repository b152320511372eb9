"""/api/v1/docs: readable without signing in, made from the schema, no script and the site's CSP."""

import re


def test_the_docs_page_lists_every_operation_with_examples(client, db):
    response = client.get("/api/v1/docs", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    for operation in [
        "GET /api/v1/trees</code>",
        "GET /api/v1/trees/{code}</code>",
        "GET /api/v1/trees/{code}/entries</code>",
        "POST /api/v1/trees/{code}/entries</code>",
        "GET /api/v1/trees/{code}/progress</code>",
    ]:
        assert operation in page
    assert 'curl -sS -X POST "http://testserver/api/v1/trees/fy2026-marketing/entries"' in page
    assert "UrlFetchApp.fetch(" in page and "Authorization: Bearer" in page
    assert 'id="schema-EntriesBatch"' in page and 'id="schema-Error"' in page
    assert 'href="/api/v1/openapi.json"' in page


def test_the_docs_page_keeps_the_csp_and_loads_nothing_from_elsewhere(client, db):
    response = client.get("/api/v1/docs")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    page = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", page)  # only our own static scripts, no inline one
    assert not re.search(r"""(src|href)="https?://""", page)


def test_the_docs_page_is_in_japanese_by_default(client, db):
    page = client.get("/api/v1/docs").content.decode()
    assert "<h1>APIの説明</h1>" in page
    assert "<code>GET /api/v1/trees</code> ツリーの一覧" in page  # the operations in the reader's language


def test_the_docs_page_is_get_only(client, db):
    response = client.post("/api/v1/docs")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
