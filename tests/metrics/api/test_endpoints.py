"""Contract tests of /api/v1 (docs/api.md): every operation, its refusals, scope, idempotency and history."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from goals.models import Node, Tree
from metrics.entries import set_entry
from metrics.models import ApiToken, Entry, EntryChange
from tests.metrics.api.conftest import ApiClient, issue

W1, W2, W3 = date(2026, 3, 30), date(2026, 4, 6), date(2026, 4, 13)
ENTRIES = "/api/v1/trees/fy2026-test/entries"


def leads(tree):
    return tree.nodes.get(code="leads")


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], list)
    return body


# Reading ---------------------------------------------------------------------------------------------------------


def test_list_trees(api, tree):
    response = api.get("/api/v1/trees")
    assert response.status_code == 200
    assert response.json() == [
        {
            "code": "fy2026-test",
            "name": "FY2026 テスト",
            "department": "マーケティング部",
            "period_start": "2026-04-01",
            "period_end": "2027-03-31",
            "week_start": "monday",
            "fiscal_year": 2026,
            "data_version": 0,
        }
    ]
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_a_tree_and_its_nodes(api, tree):
    Node.objects.create(tree=tree, parent=leads(tree), code="visits", name="訪問", frequency="monthly", position=1)
    response = api.get("/api/v1/trees/fy2026-test")
    assert response.status_code == 200
    body = response.json()
    assert body["weeks"][0] == "2026-03-30" and body["weeks"][-1] == "2027-03-22" and len(body["weeks"]) == 52
    by_code = {node["code"]: node for node in body["nodes"]}
    assert [node["code"] for node in body["nodes"]] == ["revenue", "deals", "leads", "visits", "avg_deal_size"]
    assert by_code["revenue"] == {
        "code": "revenue",
        "name": "売上",
        "parent": None,
        "unit": "円",
        "measured": False,
        "formula": "deals * avg_deal_size",
        "cadence": "weekly",
        "department": "営業部",
        "aggregation": "sum",
        "direction": "higher",
        "target": "120000000",
        "writable": False,
    }
    assert by_code["leads"]["parent"] == "deals" and by_code["leads"]["measured"] is True
    assert by_code["leads"]["writable"] is True  # marketing's node, a marketing token
    assert by_code["deals"]["writable"] is False  # sales'
    assert by_code["visits"]["cadence"] == "monthly" and by_code["visits"]["department"] is None


def test_read_entries_between_two_weeks(api, tree, member):
    node = leads(tree)
    for week, value in [(W1, "100"), (W2, "1234.5"), (W3, "7")]:
        set_entry(node, week, Decimal(value), user=member, source=EntryChange.Source.GRID)
    set_entry(node, W2, Decimal("1234.5"), user=member, source=EntryChange.Source.GRID, note="展示会")
    response = api.get(ENTRIES, **{"from": "2026-04-06", "to": "2026-04-13"})
    assert response.status_code == 200
    body = response.json()
    assert (body["tree"], body["from"], body["to"]) == ("fy2026-test", "2026-04-06", "2026-04-13")
    assert [(e["node"], e["week"], e["value"], e["note"], e["version"]) for e in body["entries"]] == [
        ("leads", "2026-04-06", "1234.5", "展示会", 2),
        ("leads", "2026-04-13", "7", "", 1),
    ]
    whole = api.get(ENTRIES).json()
    assert (whole["from"], whole["to"]) == ("2026-03-30", "2027-03-22") and len(whole["entries"]) == 3


def test_read_entries_refuses_a_reversed_range_and_a_bad_date(api, tree):
    assert_error(api.get(ENTRIES, **{"from": "2026-05-01", "to": "2026-04-01"}), 422, "invalid_request")
    body = assert_error(api.get(ENTRIES, **{"from": "2026-13-01"}), 422, "invalid_request")
    assert body["details"][0]["field"] == "from"


@time_machine.travel("2026-04-22 12:00 +0900", tick=False)
def test_progress_is_the_progress_json(api, tree, member):
    node = leads(tree)
    set_entry(node, W1, Decimal("60"), user=member, source=EntryChange.Source.GRID)
    set_entry(node, W2, Decimal("40"), user=member, source=EntryChange.Source.GRID)
    body = api.get("/api/v1/trees/fy2026-test/progress").json()
    assert body["tree"] == "fy2026-test" and body["as_of_week"] == "2026-04-13"  # the last complete week
    by_code = {node["code"]: node for node in body["nodes"]}
    assert by_code["leads"]["actual_to_date"] == "100"
    first_week = by_code["leads"]["weeks"][0]
    assert (first_week["week"], first_week["actual"]) == ("2026-03-30", "60")
    assert by_code["revenue"]["impact"] is None  # the KGI
    assert by_code["leads"]["impact"] == "0"  # a driver of deals
    assert by_code["deals"]["impact"] is None  # no forecast yet (no entries)
    earlier = api.get("/api/v1/trees/fy2026-test/progress", as_of="2026-04-01").json()
    assert earlier["as_of_week"] == "2026-03-30"
    assert {node["code"]: node for node in earlier["nodes"]}["leads"]["actual_to_date"] == "60"


def test_progress_refuses_a_bad_as_of(api, tree):
    assert_error(api.get("/api/v1/trees/fy2026-test/progress", as_of="soon"), 422, "invalid_request")


@pytest.mark.parametrize("path", ["/api/v1/trees/nope", "/api/v1/trees/nope/entries", "/api/v1/trees/nope/progress"])
def test_an_unknown_tree_is_404_json(api, tree, path):
    assert_error(api.get(path), 404, "not_found")


# Authentication --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer gt_wrong", "Basic dXNlcjpwYXNz", "Token gt_x", "Bearer " + "gt_" + "x" * 500],
)
def test_no_valid_token_is_401(client, tree, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    for response in [
        client.get("/api/v1/trees", **extra),
        client.post(ENTRIES, json.dumps({"rows": []}), content_type="application/json", **extra),
    ]:
        assert_error(response, 401, "unauthorized")
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_session_is_not_a_token(client, tree, owner):
    client.force_login(owner)
    assert_error(client.get("/api/v1/trees"), 401, "unauthorized")


def test_a_revoked_token_is_401(client, tree, marketing_token):
    token, secret = marketing_token
    token.revoke()
    assert_error(ApiClient(client, secret).get("/api/v1/trees"), 401, "unauthorized")


def test_a_token_of_a_deactivated_person_is_401(client, tree, marketing_token, owner):
    owner.is_active = False
    owner.save()
    assert_error(ApiClient(client, marketing_token[1]).get("/api/v1/trees"), 401, "unauthorized")


def test_only_the_digest_is_stored(marketing_token):
    token, secret = marketing_token
    assert secret.startswith("gt_") and len(secret) == 46
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == ApiToken.digest(secret) != secret
    assert stored.hint == secret[:7]
    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)


def test_last_use_is_written_at_most_once_a_minute(client, tree, marketing_token, django_assert_num_queries):
    token, secret = marketing_token
    api = ApiClient(client, secret)
    with time_machine.travel("2026-06-01 10:00 +0900", tick=False):
        api.get("/api/v1/trees")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with time_machine.travel("2026-06-01 10:00:30 +0900", tick=False), django_assert_num_queries(2):
        api.get("/api/v1/trees")  # the token, the trees: no write
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    with time_machine.travel("2026-06-01 10:01:30 +0900", tick=False):
        api.get("/api/v1/trees")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first + timedelta(seconds=90)


# Writing ---------------------------------------------------------------------------------------------------------


def test_push_a_week(api, tree, owner):
    response = api.push(
        [
            {"node": "leads", "week": "2026-03-30", "value": "1,234"},
            {"node": "leads", "week": "2026-04-06", "value": 321, "note": "展示会"},
            {"node": "leads", "week": "2026-04-13", "value": None},
        ]
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert {k: body[k] for k in ("tree", "created", "changed", "deleted", "unchanged")} == {
        "tree": "fy2026-test",
        "created": 2,
        "changed": 0,
        "deleted": 0,
        "unchanged": 1,
    }
    assert body["rows"] == [
        {"index": 0, "node": "leads", "week": "2026-03-30", "action": "created", "value": "1234", "version": 1},
        {"index": 1, "node": "leads", "week": "2026-04-06", "action": "created", "value": "321", "version": 1},
        {"index": 2, "node": "leads", "week": "2026-04-13", "action": "unchanged", "value": None, "version": 0},
    ]
    stored = {e.week: (e.value, e.note) for e in Entry.objects.filter(node__code="leads")}
    assert stored == {W1: (Decimal("1234"), ""), W2: (Decimal("321"), "展示会")}
    changes = EntryChange.objects.filter(node__code="leads")
    assert {(c.source, c.token_name, c.user) for c in changes} == {("api", "MA nightly", owner)}
    assert Tree.objects.get(pk=tree.pk).data_version == 1  # once for the batch


def test_change_and_delete(api, tree, member):
    node = leads(tree)
    set_entry(node, W1, Decimal(10), user=member, source=EntryChange.Source.GRID)
    set_entry(node, W2, Decimal(20), user=member, source=EntryChange.Source.GRID)
    body = api.push(
        [{"node": "leads", "week": "2026-03-30", "value": "11"}, {"node": "leads", "week": "2026-04-06", "value": ""}]
    ).json()
    assert (body["changed"], body["deleted"]) == (1, 1)
    assert [(r["action"], r["value"], r["version"]) for r in body["rows"]] == [
        ("changed", "11", 2),
        ("deleted", None, 0),
    ]
    assert list(Entry.objects.values_list("week", "value")) == [(W1, Decimal(11))]
    latest = EntryChange.objects.filter(source="api").order_by("id")
    assert [(c.old_value, c.new_value) for c in latest] == [(Decimal(10), Decimal(11)), (Decimal(20), None)]


def test_the_same_batch_twice_changes_nothing_the_second_time(api, tree):
    rows = [
        {"node": "leads", "week": "2026-03-30", "value": "100"},
        {"node": "leads", "week": "2026-04-06", "value": 5},
    ]
    assert api.push(rows).json()["created"] == 2
    changes, version = EntryChange.objects.count(), Tree.objects.get(pk=tree.pk).data_version
    again = api.push(rows).json()
    assert (again["created"], again["changed"], again["unchanged"]) == (0, 0, 2)
    assert EntryChange.objects.count() == changes
    assert Tree.objects.get(pk=tree.pk).data_version == version
    assert list(Entry.objects.values_list("version", flat=True)) == [1, 1]


def test_the_same_batch_with_versions_twice_is_not_a_conflict(api, tree):
    rows = [{"node": "leads", "week": "2026-03-30", "value": "100", "version": 0}]
    assert api.push(rows).json()["created"] == 1
    assert api.push(rows).json()["unchanged"] == 1


def test_a_stale_version_is_a_conflict_and_saves_nothing(api, tree, member):
    node = leads(tree)
    set_entry(node, W1, Decimal(10), user=member, source=EntryChange.Source.GRID)
    set_entry(node, W1, Decimal(12), user=member, source=EntryChange.Source.GRID)  # version 2
    response = api.push(
        [
            {"node": "leads", "week": "2026-04-06", "value": "5", "version": 0},
            {"node": "leads", "week": "2026-03-30", "value": "15", "version": 1},
        ]
    )
    body = assert_error(response, 409, "conflict")
    assert [(d["index"], d["code"], d["node"], d["week"]) for d in body["details"]] == [
        (1, "conflict", "leads", "2026-03-30")
    ]
    assert "version 2" in body["details"][0]["message"] and "12" in body["details"][0]["message"]
    assert Entry.objects.count() == 1 and not EntryChange.objects.filter(source="api").exists()
    ok = api.push([{"node": "leads", "week": "2026-03-30", "value": "15", "version": 2}])
    assert ok.json()["rows"][0]["version"] == 3


def test_control_characters_in_a_row_are_refused_before_any_lookup(api, tree):
    """A NUL in a node code would make PostgreSQL refuse the query: the row is refused by the text check first."""
    response = api.push(
        [
            {"node": "lea\u0000ds", "week": "2026-03-30", "value": "1"},
            {"node": "leads", "week": "2026-03-30", "value": "1", "note": "a\u202eb"},
        ]
    )
    body = assert_error(response, 422, "invalid_rows")
    assert sorted(d["index"] for d in body["details"]) == [0, 1]
    assert "U+0000" in body["details"][0]["message"]
    assert not Entry.objects.exists() and not EntryChange.objects.exists()


def test_every_bad_row_is_reported_and_nothing_is_saved(api, tree):
    response = api.push(
        [
            {"node": "leads", "week": "2026-03-30", "value": "100"},
            {"node": "nope", "week": "2026-03-30", "value": "1"},
            {"node": "leads", "week": "2026-03-31", "value": "1"},
            {"node": "leads", "week": "2026-04-06", "value": "120〜130"},
            {"node": "revenue", "week": "2026-04-06", "value": "1"},
            {"node": "leads", "week": "2026-03-30", "value": "100"},
            {"node": "leads", "week": "2026-04-13", "value": "1", "note": "x" * 201},
        ]
    )
    body = assert_error(response, 422, "invalid_rows")
    assert body["message"] == "Not saved: 6 rows have problems, so nothing was saved. See details."
    messages = {d["index"]: d["message"] for d in body["details"]}
    assert sorted(messages) == [1, 2, 3, 4, 5, 6]
    assert messages[1] == 'fy2026-test has no node with the code "nope". Check the node column.'
    assert messages[2] == "2026-03-31 does not start a week; use its Monday (2026-03-30)."
    assert messages[3] == '"120〜130" is not a number. Enter one number, such as 120.'
    assert messages[4] == "revenue is calculated; delete the row."
    assert messages[5] == "leads for the week of 2026-03-30 is also at index 0. Keep one of the two rows."
    assert messages[6] == "the note has 201 characters; shorten it to 200."
    assert all(d["code"] == "invalid" for d in body["details"])
    assert not Entry.objects.exists() and not EntryChange.objects.exists()


def test_errors_are_in_the_language_asked(client, tree, marketing_token):
    api = ApiClient(client, marketing_token[1], language="ja")
    body = api.push([{"node": "leads", "week": "2026-03-31", "value": "1"}]).json()
    assert body["message"] == (
        "保存できませんでした。1行に誤りがあるため、何も保存していません。詳しくはdetailsを確認してください。"
    )
    assert "月曜日" in body["details"][0]["message"]


def test_rows_outside_the_token_departments_are_403_and_nothing_is_saved(api, tree):
    response = api.push(
        [{"node": "leads", "week": "2026-03-30", "value": "1"}, {"node": "deals", "week": "2026-03-30", "value": "2"}]
    )
    body = assert_error(response, 403, "outside_scope")
    assert [(d["index"], d["code"]) for d in body["details"]] == [(1, "forbidden")]
    assert "営業部" in body["details"][0]["message"]
    assert not Entry.objects.exists()


def test_an_unchanged_row_outside_the_scope_is_accepted(api, tree, sales_member):
    """As with the entries CSV: sending back a whole tree's numbers is fine when only your rows change."""
    set_entry(tree.nodes.get(code="deals"), W1, Decimal(2), user=sales_member, source=EntryChange.Source.GRID)
    body = api.push(
        [{"node": "leads", "week": "2026-03-30", "value": "1"}, {"node": "deals", "week": "2026-03-30", "value": "2"}]
    ).json()
    assert (body["created"], body["unchanged"]) == (1, 1)


def test_a_mix_of_bad_and_forbidden_rows_is_422_with_each_code(api, tree):
    body = assert_error(
        api.push(
            [{"node": "deals", "week": "2026-03-30", "value": "2"}, {"node": "leads", "week": "x", "value": "1"}]
        ),
        422,
        "invalid_rows",
    )
    assert [(d["index"], d["code"]) for d in body["details"]] == [(0, "forbidden"), (1, "invalid")]


def test_a_read_only_token_cannot_push(client, tree, marketing, owner):
    _token, secret = issue("Reader", [marketing], read_only=True, created_by=owner)
    api = ApiClient(client, secret)
    assert api.get("/api/v1/trees").status_code == 200
    assert_error(api.push([{"node": "leads", "week": "2026-03-30", "value": "1"}]), 403, "read_only")
    assert not api.get("/api/v1/trees/fy2026-test").json()["nodes"][2]["writable"]
    assert not Entry.objects.exists()


def test_a_token_writes_only_departments_its_creator_still_belongs_to(client, tree, marketing, member):
    _token, secret = issue("Member's sheet", [marketing], created_by=member)
    api = ApiClient(client, secret)
    assert api.push([{"node": "leads", "week": "2026-03-30", "value": "1"}]).status_code == 200
    member.memberships.all().delete()
    assert_error(api.push([{"node": "leads", "week": "2026-03-30", "value": "2"}]), 403, "outside_scope")


def test_a_command_line_token_writes_its_departments(client, tree, sales):
    _token, secret = issue("SFA", [sales])
    api = ApiClient(client, secret)
    body = api.push([{"node": "deals", "week": "2026-03-30", "value": "3"}]).json()
    assert body["created"] == 1
    change = EntryChange.objects.get()
    assert (change.source, change.token_name, change.user) == ("api", "SFA", None)


def test_an_empty_batch_changes_nothing(api, tree):
    body = api.push([]).json()
    assert (body["created"], body["rows"]) == (0, [])


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"rows": "leads"},
        {"rows": [{"node": "leads", "week": "2026-03-30"}]},
        {"rows": [{"node": "leads", "week": "2026-03-30", "value": True}]},
        {"rows": [{"node": "leads", "week": "2026-03-30", "value": [1]}]},
        {"rows": [{"node": "leads", "week": "2026-03-30", "value": "1" * 101}]},
        {"rows": [{"node": "leads", "week": "2026-03-30", "value": "1", "valeu": "2"}]},
        {"rows": [{"node": "leads", "week": "2026-03-30", "value": "1", "version": "1"}]},
        {"rows": [{"node": "leads", "week": "2026-03-30", "value": "1", "version": -1}]},
        [1, 2],
    ],
)
def test_a_body_of_the_wrong_shape_is_422(api, tree, body):
    assert_error(api.post(ENTRIES, body), 422, "invalid_request")
    assert not Entry.objects.exists()


def test_a_problem_in_a_row_names_its_index(api, tree):
    rows = [{"node": "leads", "week": "2026-03-30", "value": "1"}] * 3 + [{"node": "leads", "week": 5, "value": "1"}]
    body = assert_error(api.post(ENTRIES, {"rows": rows}), 422, "invalid_request")
    assert [(d["index"], d["field"]) for d in body["details"]] == [(3, "week")]


@pytest.mark.parametrize("text", ["{", '{"rows": [}', "not json", '{"rows": [{"value": NaN}]}'])
def test_bad_json_is_400(api, tree, text):
    assert_error(api.post(ENTRIES, text), 400, "bad_json")


def test_a_number_in_json_is_read_exactly(api, tree):
    body = api.push([{"node": "leads", "week": "2026-03-30", "value": 0.1}]).json()
    assert body["rows"][0]["value"] == "0.1"
    assert Entry.objects.get().value == Decimal("0.1")
    text = '{"rows": [{"node": "leads", "week": "2026-04-06", "value": 1e3}]}'
    exponent = assert_error(api.post(ENTRIES, text), 422, "invalid_rows")
    assert exponent["details"][0]["index"] == 0


def test_more_than_5000_rows_is_413_before_they_are_read(api, tree, monkeypatch):
    checked = []
    monkeypatch.setattr("metrics.csvfiles.check_rows", lambda *a, **k: checked.append(1))
    rows = [{"node": "leads", "week": "2026-03-30", "value": "1"}] * 5001
    assert_error(api.push(rows), 413, "too_large")
    assert not checked


@pytest.mark.parametrize("count", [2200, 3000])  # over our limit; over Django's too (DATA_UPLOAD_MAX_MEMORY_SIZE)
def test_a_body_over_2_mb_is_413(api, tree, count):
    rows = [{"node": "leads", "week": "2026-03-30", "value": "1", "note": "x" * 999}] * count
    assert_error(api.push(rows), 413, "too_large")


def test_5000_rows_are_accepted(api, tree):
    weeks = [week.isoformat() for week in tree.weeks]
    rows = [{"node": "leads", "week": weeks[i % len(weeks)], "value": str(i)} for i in range(len(weeks))]
    rows += [{"node": "leads", "week": weeks[0], "value": "1"}] * (5000 - len(rows))
    body = assert_error(api.push(rows), 422, "invalid_rows")  # duplicates, but read to the end
    assert len(body["details"]) == 5000 - len(weeks)


# Limits, methods, addresses --------------------------------------------------------------------------------------


def test_requests_over_the_rate_limit_are_429_with_retry_after(client, tree, marketing_token, settings):
    settings.API_RATE_LIMIT = 3
    api = ApiClient(client, marketing_token[1])
    with time_machine.travel("2026-06-01 10:00:15 +0900", tick=False):
        assert [api.get("/api/v1/trees").status_code for _ in range(3)] == [200, 200, 200]
        response = api.get("/api/v1/trees")
        assert_error(response, 429, "rate_limited")
        assert response["Retry-After"] == "45"
        other = ApiClient(client, issue("Other", [])[1])
        assert other.get("/api/v1/trees").status_code == 200  # per token
    with time_machine.travel("2026-06-01 10:01:00 +0900", tick=False):
        assert api.get("/api/v1/trees").status_code == 200


def test_the_rate_limit_counts_in_memory_when_the_cache_fails(client, tree, marketing_token, settings, monkeypatch):
    settings.API_RATE_LIMIT = 2
    monkeypatch.setattr("metrics.api.auth.cache.add", lambda *a, **k: None)
    monkeypatch.setattr("metrics.api.auth.cache.incr", lambda *a, **k: None)  # as django-redis when Redis is down
    api = ApiClient(client, marketing_token[1])
    with time_machine.travel("2026-06-01 10:00:50 +0900", tick=False):
        assert [api.get("/api/v1/trees").status_code for _ in range(3)] == [200, 200, 429]


def test_a_wrong_method_is_405_json(api, tree):
    response = api.client.put(ENTRIES, "{}", content_type="application/json", **api.headers)
    assert_error(response, 405, "method_not_allowed")
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}
    assert_error(api.client.delete("/api/v1/trees", **api.headers), 405, "method_not_allowed")


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/trees/fy2026-test/other", "/api/v2/trees", "/api/"])
def test_an_unknown_address_under_api_is_404_json(client, tree, path):
    assert_error(client.get(path), 404, "not_found")


def test_other_pages_keep_their_html_404_and_login(client, owner):
    assert client.get("/trees/999999/")["Location"].startswith("/accounts/login/")  # still behind the login
    client.force_login(owner)
    response = client.get("/trees/999999/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_an_unexpected_error_is_500_json(api, tree, monkeypatch):
    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr("metrics.api.progress.progress_json", broken)
    body = assert_error(api.get("/api/v1/trees/fy2026-test/progress"), 500, "server_error")
    assert "boom" not in json.dumps(body)


def test_the_api_needs_no_csrf_token(tree, marketing_token):
    from django.test import Client

    api = ApiClient(Client(enforce_csrf_checks=True), marketing_token[1])
    assert api.push([{"node": "leads", "week": "2026-03-30", "value": "1"}]).status_code == 200


def test_pages_still_check_csrf(tree, owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post("/api-tokens/new/", {"name": "x"}).status_code == 403


# History ---------------------------------------------------------------------------------------------------------


def test_the_history_of_numbers_names_the_token(api, tree, owner, client):
    api.push([{"node": "leads", "week": "2026-03-30", "value": "5"}])
    client.force_login(owner)
    page = client.get(f"/numbers/history/{leads(tree).pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "API (MA nightly)" in page
