"""Dates at and beyond their bounds (docs/numbers.md "Bounds"): periods within 2000-2100 and at most five years,
initiatives within 2000-2100 and near their tree's period, any as-of date clamped. Refused in forms, tree files,
copies and commands with a message; rows stored before the bounds keep every page working."""

import io
import json
from datetime import date

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from goals import periods
from goals.bounds import FIRST_DAY, LAST_DAY
from goals.models import Initiative, Tree
from metrics.models import Entry
from tests.hostile.conftest import counts, open_every_page, tree_pages

pytestmark = pytest.mark.django_db


# --- rows stored before the bounds --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "weeks"),
    [
        # 2026-04-01..9999-12-31 is read as 2026-04-01..2031-03-31: 261 weeks (Monday weeks from 2026-03-30).
        (date(2026, 4, 1), date(9999, 12, 31), 261),
        # 0001-01-01..9999-12-31 is read from 2000-01-01 (a Saturday) for five years: the first week holding its
        # fourth day starts on Monday 2000-01-03, the last on Monday 2004-12-27 (its Thursday is 2004-12-30).
        (date(1, 1, 1), date(9999, 12, 31), 261),
        (date(2000, 1, 1), date(2100, 12, 31), 261),
        (date(9999, 12, 25), date(9999, 12, 31), 0),  # read as 2100-12-31 alone: shorter than a week
    ],
)
def test_a_stored_period_beyond_the_bounds_is_read_within_them_and_every_page_works(
    client, owner, world, start, end, weeks
):
    Tree.objects.filter(pk=world.pk).update(period_start=start, period_end=end)
    tree = Tree.objects.get(pk=world.pk)
    assert len(tree.weeks) == weeks
    client.force_login(owner)
    open_every_page(client, tree_pages(tree))


def test_period_weeks_are_bounded_for_any_dates_and_week_start():
    for start, end in [(date.min, date.max), (date.max, date.max), (date.min, date.min), (date(1999, 1, 1), date.max)]:
        for week_start in range(7):
            weeks = periods.period_weeks(start, end, week_start)
            assert len(weeks) <= 262
            assert all(FIRST_DAY - periods.WEEK < week <= LAST_DAY for week in weeks)
    assert periods.week_containing(date.min, 6) == date.min  # a week cannot start before the year 1
    assert periods.clamp_week(date.max, [], 2) == date(2100, 12, 29)  # the Wednesday week holding 2100-12-31


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(1, 1, 1), None),
        (date(1, 1, 2), date(9999, 12, 31)),
        (date(9999, 12, 31), None),
        (date(2026, 4, 6), date(9999, 12, 31)),
    ],
)
def test_a_stored_initiative_beyond_the_bounds_keeps_every_page_working(client, owner, world, start, end):
    Tree.objects.filter(pk=world.pk).update(week_start=2)  # a week of 0001-01-01 would start before the year 1
    tree = Tree.objects.get(pk=world.pk)
    initiative = Initiative.objects.create(tree=tree, title="古い施策", owner=owner, start_date=start, end_date=end)
    initiative.nodes.set(tree.nodes.all())
    client.force_login(owner)
    open_every_page(client, tree_pages(tree))


def test_the_database_check_lists_stored_rows_beyond_the_bounds(world, owner):
    assert not [message for message in run_checks(databases=["default"]) if message.id.startswith("goals.")]
    Tree.objects.filter(pk=world.pk).update(period_end=date(9999, 12, 31))
    far = Initiative.objects.create(tree=world, title="x", owner=owner, start_date=date(1, 1, 1))
    found = {message.id: message for message in run_checks(databases=["default"]) if message.id.startswith("goals.")}
    assert set(found) == {"goals.W001", "goals.W002"}
    assert world.code in found["goals.W001"].msg
    assert f"ids {far.pk}" in found["goals.W002"].msg


# --- forms --------------------------------------------------------------------------------------------------


def _settings(tree, **overrides):
    return {
        "name": tree.name,
        "department": tree.department_id,
        "period_start": "2026-04-01",
        "period_end": "2027-03-31",
        "week_start": "0",
        "warning_threshold": "90",
        "max_depth": "4",
        "version": str(tree.version),
        **overrides,
    }


REFUSED_PERIODS = [
    ({"period_end": "9999-12-31"}, "period_end", "2000-01-01 to 2100-12-31"),
    ({"period_start": "0001-01-01"}, "period_start", "2000-01-01 to 2100-12-31"),
    ({"period_start": "1999-12-31"}, "period_start", "2000-01-01 to 2100-12-31"),
    ({"period_end": "2101-01-01"}, "period_end", "2000-01-01 to 2100-12-31"),
    ({"period_end": "2031-04-01"}, "period_end", "longer than 5 years. End it by 2031-03-31"),
    ({"period_end": "2026-03-31"}, "period_end", "ends before it starts"),
    ({"period_end": "10000-01-01"}, "period_end", "Enter a valid date"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), REFUSED_PERIODS)
def test_the_tree_settings_refuse_a_period_beyond_the_bounds(client, owner, tree, overrides, field, message):
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    before = counts()
    response = client.post(reverse("goals:tree-edit-save", args=[tree.pk]), _settings(tree, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before
    assert Tree.objects.get(pk=tree.pk).period_end == date(2027, 3, 31)


def test_a_period_of_five_years_exactly_is_accepted(client, owner, tree):
    client.force_login(owner)
    response = client.post(reverse("goals:tree-edit-save", args=[tree.pk]), _settings(tree, period_end="2031-03-31"))
    assert response.status_code == 302
    assert len(Tree.objects.get(pk=tree.pk).weeks) == 261


@pytest.mark.parametrize(("overrides", "field", "message"), REFUSED_PERIODS[:5])
def test_new_trees_templates_and_copies_refuse_a_period_beyond_the_bounds(
    client, owner, tree, marketing, overrides, field, message
):
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    period = {"period_start": "2026-04-01", "period_end": "2027-03-31", **overrides}
    posts = [
        (
            reverse("goals:tree-create-save"),
            {"code": "fy-x", "name": "X", "department": marketing.pk, "week_start": "0", "warning_threshold": "90"}
            | {"max_depth": "4", "kgi_code": "revenue", "kgi_name": "売上", "kgi_unit": "円", "kgi_target": ""},
        ),
        (reverse("goals:tree-from-template-save"), {"template": "b2b_funnel", "department": marketing.pk}),
        (reverse("metrics:tree-copy-save", args=[tree.pk]), {"code": "fy-copy", "name": "Copy"}),
    ]
    for url, data in posts:
        before = counts()
        response = client.post(url, {**data, **period})
        assert response.status_code in (200, 400), url
        assert message in response.content.decode(), url
        assert counts() == before, url


def test_the_copy_page_of_a_stored_far_tree_suggests_a_period_and_refuses_it(client, owner, world):
    Tree.objects.filter(pk=world.pk).update(period_start=date(2099, 4, 1), period_end=date(9999, 12, 31))
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("metrics:tree-copy", args=[world.pk]))
    assert page.status_code == 200
    # The period is read as 2099-04-01..2100-12-31, so the next one would start in 2101.
    assert 'value="2101-01-01"' in page.content.decode()
    before = counts()
    response = client.post(
        reverse("metrics:tree-copy-save", args=[world.pk]),
        {"code": "far-copy", "name": "Copy", "period_start": "2101-01-01", "period_end": "2102-09-30"},
    )
    assert response.status_code == 400
    assert "2000-01-01 to 2100-12-31" in response.content.decode()
    assert counts() == before


def _initiative(tree, **overrides):
    return {
        "title": "展示会",
        "description": "",
        "nodes": [tree.nodes.get(code="leads").pk],
        "owner": "",
        "start_date": "2026-06-01",
        "end_date": "",
        "cost": "",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start_date": "0001-01-01"}, "2000-01-01 to 2100-12-31"),
        ({"start_date": "9999-12-31"}, "2000-01-01 to 2100-12-31"),
        # From a year before the period (2026-04-01) to its end (2027-03-31).
        ({"start_date": "2025-03-31"}, "Enter a start date from 1 Apr 2025 to 31 Mar 2027"),
        ({"start_date": "2027-04-01"}, "Enter a start date from 1 Apr 2025 to 31 Mar 2027"),
        ({"end_date": "9999-12-31"}, "2000-01-01 to 2100-12-31"),
        ({"end_date": "2101-01-01"}, "2000-01-01 to 2100-12-31"),
        ({"end_date": "2026-05-31"}, "The end date is before the start date"),
    ],
)
def test_the_initiative_form_refuses_dates_beyond_the_bounds(client, owner, tree, overrides, message):
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    data = _initiative(tree, owner=owner.pk, **overrides)
    before = counts()
    response = client.post(reverse("goals:initiative-create-save", args=[tree.pk]), data)
    assert response.status_code in (200, 400)
    assert message in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize("start", ["2025-04-01", "2027-03-31"])
def test_the_initiative_form_takes_the_first_and_last_allowed_start(client, owner, tree, start):
    client.force_login(owner)
    response = client.post(
        reverse("goals:initiative-create-save", args=[tree.pk]),
        _initiative(tree, owner=owner.pk, start_date=start, end_date="2100-12-31"),
    )
    assert response.status_code == 302
    assert Initiative.objects.get().start_date == date.fromisoformat(start)


def test_the_initiative_form_of_a_tree_with_a_stored_far_period(client, owner, tree):
    Tree.objects.filter(pk=tree.pk).update(period_start=date(1, 1, 1), period_end=date(9999, 12, 31))
    client.force_login(owner)
    assert client.get(reverse("goals:initiative-create", args=[tree.pk])).status_code == 200
    response = client.post(
        reverse("goals:initiative-create-save", args=[tree.pk]),
        _initiative(tree, owner=owner.pk, start_date="2001-01-01"),
    )
    assert response.status_code == 302  # read as 2000-01-01..2004-12-31: from 1999-01-01 (refused) to 2004-12-31


# --- files and commands -------------------------------------------------------------------------------------


def _tree_file(start, end, code="far"):
    return {
        "code": code,
        "name": "Far",
        "period": {"start": start, "end": end},
        "nodes": [{"code": "revenue", "name": "売上", "parent": None, "target": "1"}],
    }


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-04-01", "9999-12-31", "period.end: Use a date from 2000-01-01 to 2100-12-31."),
        ("0001-01-01", "2026-12-31", "period.start: Use a date from 2000-01-01 to 2100-12-31."),
        ("2026-04-01", "2031-04-01", "period.end: The period is longer than 5 years. End it by 2031-03-31"),
    ],
)
def test_tree_files_refuse_a_period_beyond_the_bounds(client, owner, marketing, tmp_path, start, end, message):
    path = tmp_path / "far.json"
    path.write_text(json.dumps(_tree_file(start, end)))
    before = counts()
    with pytest.raises(CommandError) as refused, translation.override("en"):
        call_command("import_tree", str(path))
    assert message in str(refused.value)
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    upload = io.BytesIO(path.read_bytes())
    upload.name = "far.json"
    response = client.post(reverse("goals:tree-import-save"), {"file": upload, "department": marketing.pk})
    assert response.status_code in (200, 400)
    assert message.split(": ", 1)[1] in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    ("as_of", "week"),
    [
        ("0001-01-01", "2026-03-30"),
        ("1999-12-31", "2026-03-30"),
        ("9999-12-31", "2027-03-22"),
        ("2026-06-03", "2026-06-01"),
    ],
)
def test_export_progress_clamps_any_as_of_date_to_the_period(world, as_of, week):
    out = io.StringIO()
    call_command("export_progress", "--tree", world.code, "--as-of", as_of, stdout=out)
    assert json.loads(out.getvalue())["as_of_week"] == week


@pytest.mark.parametrize("as_of", ["2026-02-30", "10000-01-01", "x", "\x00"])
def test_export_progress_refuses_an_as_of_that_is_not_a_date(world, as_of):
    with pytest.raises(CommandError, match="is not a date"), translation.override("en"):
        call_command("export_progress", "--tree", world.code, "--as-of", as_of, stdout=io.StringIO())


@pytest.mark.parametrize("week", ["0001-01-01", "0001-01-02", "9999-12-31", "10000-01-01", "2026-02-30"])
def test_import_entries_refuses_far_weeks_and_saves_nothing(world, tmp_path, week):
    Tree.objects.filter(pk=world.pk).update(week_start=2)
    path = tmp_path / "entries.csv"
    path.write_text(f"tree,node,week,value\n{world.code},leads,2026-04-08,1\n{world.code},leads,{week},1\n")
    before = counts()
    with pytest.raises(CommandError, match="Line 3"), translation.override("en"):
        call_command("import_entries", str(path))
    assert counts() == before
    assert not Entry.objects.filter(week=date(2026, 4, 8)).exists()
