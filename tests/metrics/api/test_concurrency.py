"""Two clients pushing the same cells at once (PostgreSQL, two connections): each batch is saved whole or not at
all, the history is one chain, and what the answers report is what was recorded.

Run with DATABASE_URL=postgres://...; skipped on SQLite, which runs one writer at a time anyway.
"""

import pytest
from django.db import connection
from django.test import Client

from goals.models import Node
from metrics.models import Entry, EntryChange
from tests.metrics.api.conftest import ApiClient
from tests.metrics.test_import_concurrency import _assert_history_is_one_chain, _run_in_threads

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]

ROUNDS = 15


def _rows(weeks, base, version=None):
    rows = [{"node": "leads", "week": week.isoformat(), "value": str(base + i)} for i, week in enumerate(weeks)]
    if version is not None:
        for row in rows:
            row["version"] = version
    return rows


def test_two_clients_pushing_the_same_cells(tree, marketing_token):
    weeks = tree.weeks[:4]
    answers = {1000: [], 2000: []}

    def pusher(base):
        def run():
            api = ApiClient(Client(), marketing_token[1])
            for round_ in range(ROUNDS):
                response = api.push(_rows(weeks, base + 10 * round_))
                answers[base].append((response.status_code, response.json()))

        return run

    _run_in_threads(pusher(1000), pusher(2000))

    statuses = [status for results in answers.values() for status, _body in results]
    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(200) >= ROUNDS  # a batch refused as busy is rare: most get through
    leads = Node.objects.get(code="leads")
    values = [Entry.objects.get(node=leads, week=week).value for week in weeks]
    bases = {int(value) - i for i, value in enumerate(values)}
    assert len(bases) == 1, values  # every stored entry comes from the same batch: none was applied in part
    _assert_history_is_one_chain(leads, weeks)
    reported = sum(
        body["created"] + body["changed"] + body["deleted"]
        for results in answers.values()
        for status, body in results
        if status == 200
    )
    assert reported == EntryChange.objects.filter(source="api", token_name="MA nightly").count()


def test_with_versions_one_of_two_clients_wins_and_the_other_is_told(tree, marketing_token):
    weeks = tree.weeks[:3]
    answers = []

    def pusher(base):
        def run():
            api = ApiClient(Client(), marketing_token[1])
            response = api.push(_rows(weeks, base, version=0))  # both read "no entry yet"
            answers.append((base, response.status_code, response.json()))

        return run

    _run_in_threads(pusher(100), pusher(200))

    by_status = {status: (base, body) for base, status, body in answers}
    assert sorted(by_status) == [200, 409], answers
    winner, _body = by_status[200]
    _loser, refusal = by_status[409]
    assert refusal["code"] in {"conflict", "busy"}
    if refusal["code"] == "conflict":
        assert sorted(d["index"] for d in refusal["details"]) == [0, 1, 2]
    leads = Node.objects.get(code="leads")
    assert [Entry.objects.get(node=leads, week=week).value for week in weeks] == [winner, winner + 1, winner + 2]
    assert EntryChange.objects.filter(source="api").count() == 3
