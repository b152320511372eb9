"""Initiatives (施策): effect numbers, the list page, adding/editing/deleting, access, the node's JSON and include."""

import json
import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from goals import history
from goals.models import ChangeAction, Department, Initiative, Membership, Node
from metrics import initiatives as effects
from metrics import pages
from metrics.models import Entry
from metrics.templatetags.initiative_tags import cost_per_unit, delta, mean
from tests.goals.helpers import one, recorded

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "english_pages")]

# Today is Wednesday 15 July 2026: the last complete week is the one of Monday 6 July.
TODAY = "2026-07-15 10:00 +09:00"
W = timedelta(days=7)


def monday(text):
    return date.fromisoformat(text)


FRAGMENT = Path(settings.BASE_DIR) / "locale" / "fragments" / "initiatives.po"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def japanese(settings, tmp_path, client):
    """Pages in Japanese with this area's fragment compiled (the lead merges fragments into the real catalog)."""
    if shutil.which("msgfmt") is None:
        pytest.skip("needs GNU gettext's msgfmt")
    messages = tmp_path / "ja" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    subprocess.run(["msgfmt", "--check", "-o", str(messages / "django.mo"), str(FRAGMENT)], check=True)
    settings.LOCALE_PATHS = [tmp_path]
    client.cookies["django_language"] = "ja"
    with translation.override("ja"):
        yield


@pytest.fixture
def nodes(tree):
    """The fixture tree's nodes by code, plus `cpl` (cost per lead, lower is better) under leads."""
    by_code = {node.code: node for node in tree.nodes.all()}
    with history.recorded_as(None, ChangeAction.BASELINE):  # part of the tree as the tests find it
        by_code["cpl"] = Node.objects.create(
            tree=tree,
            parent=by_code["leads"],
            code="cpl",
            name="リード単価",
            unit="円",
            direction=Node.Direction.LOWER,
            aggregation="average",
            department=by_code["leads"].department,
            position=1,
        )
    return by_code


def enter(node, values):
    """Entries of `node`: {"2026-05-04": 10, ...}."""
    for week, value in values.items():
        Entry.objects.create(node=node, week=monday(week), value=Decimal(str(value)))


def make(tree, title, start, kpis, cost=None, end=None, owner=None):
    """An initiative as the tests find it (its history starts with it)."""
    initiative = Initiative(
        tree=tree,
        title=title,
        start_date=start,
        end_date=end,
        cost=None if cost is None else Decimal(cost),
        owner=owner,
    )
    with history.recorded_as(None, ChangeAction.BASELINE):
        return initiative.save_with_kpis(kpis)


@pytest.fixture
def hr_member(django_user_model):
    """A member of a department that owns nothing in the tree."""
    hr = Department.objects.create(name="人事部", position=3)
    user = django_user_model.objects.create_user(username="yamada", password="pw-yamada", last_name="山田")
    Membership.objects.create(user=user, department=hr, role=Membership.Role.LEAD)
    return user


# --- effect numbers, by hand ------------------------------------------------------------------------------

LEADS = {
    "2026-03-30": 8,
    "2026-04-06": 9,
    "2026-04-13": 10,
    "2026-04-20": 11,
    "2026-04-27": 12,
    # before the start week of 1 June: 10, 12, 14, 16 -> mean 13
    "2026-05-04": 10,
    "2026-05-11": 12,
    "2026-05-18": 14,
    "2026-05-25": 16,
    # from the start week: 20, 22, (missing), 27 -> mean 23 over 3 weeks
    "2026-06-01": 20,
    "2026-06-08": 22,
    "2026-06-22": 27,
    "2026-07-06": 30,
    "2026-07-13": 99,  # the current week: not complete, never used
}


def _weekly(values):
    return {monday(week): Decimal(str(value)) for week, value in values.items()}


def test_effect_is_the_difference_of_the_means_before_and_after_with_weeks_used(tree, nodes):
    effect = effects.kpi_effect(
        nodes["leads"], _weekly(LEADS), tree.weeks, date(2026, 6, 3), Decimal(300000), until=monday("2026-07-06")
    )
    assert effect.start_week == monday("2026-06-01")
    assert effect.before_mean == Decimal(13)
    assert effect.weeks_before == 4
    assert effect.after_mean == Decimal(23)  # (20 + 22 + 27) / 3: the missing week is skipped
    assert effect.weeks_after == 3
    assert effect.effect == Decimal(10)
    assert effect.verdict == effects.BETTER
    assert effect.cost_per_unit == Decimal(10000)  # 300,000 / (10 x 3)


def test_effect_uses_fewer_weeks_where_the_data_does_not_reach(tree, nodes):
    # Starts in the period's second week: only the first week (30 March, 8) is before it.
    early = effects.kpi_effect(nodes["leads"], _weekly(LEADS), tree.weeks, date(2026, 4, 8), Decimal(100000))
    assert (early.weeks_before, early.before_mean) == (1, Decimal(8))
    assert (early.weeks_after, early.after_mean) == (4, Decimal("10.5"))  # 9, 10, 11, 12
    assert early.effect == Decimal("2.5")
    assert early.cost_per_unit == Decimal(10000)  # 100,000 / (2.5 x 4)

    # Started in the last complete week: one week after it so far; the current week's 99 is not used.
    late = effects.kpi_effect(
        nodes["leads"], _weekly(LEADS), tree.weeks, date(2026, 7, 8), Decimal(60000), until=monday("2026-07-06")
    )
    assert (late.weeks_after, late.after_mean) == (1, Decimal(30))
    assert (late.weeks_before, late.before_mean) == (2, Decimal("24.5"))  # 22 and 27; 15 and 29 June are missing
    assert late.effect == Decimal("5.5")
    assert late.cost_per_unit == Decimal(60000) / Decimal("5.5")

    # Starts after the last complete week: nothing after it yet, and the page says why.
    future = effects.kpi_effect(
        nodes["leads"], _weekly(LEADS), tree.weeks, date(2026, 7, 14), Decimal(1), until=monday("2026-07-06")
    )
    assert future.effect is None and future.weeks_after == 0
    assert "no weeks after the start yet" in future.reason


def test_lower_is_better_a_decrease_is_an_improvement(tree, nodes):
    weekly = _weekly({"2026-05-04": 5000, "2026-05-11": 5000, "2026-05-18": 4800, "2026-05-25": 5200})
    weekly.update(_weekly({"2026-06-01": 4000, "2026-06-08": 4200, "2026-06-15": 3800, "2026-06-22": 4000}))
    better = effects.kpi_effect(nodes["cpl"], weekly, tree.weeks, date(2026, 6, 1), Decimal(400000))
    assert better.effect == Decimal(-1000)
    assert better.verdict == effects.BETTER
    assert better.cost_per_unit == Decimal(100)  # 400,000 / (1,000 x 4), per unit of improvement

    worse_weekly = {week: value + 2000 if week >= monday("2026-06-01") else value for week, value in weekly.items()}
    worse = effects.kpi_effect(nodes["cpl"], worse_weekly, tree.weeks, date(2026, 6, 1), Decimal(400000))
    assert worse.effect == Decimal(1000)
    assert worse.verdict == effects.WORSE
    assert worse.cost_per_unit is None
    assert "got worse" in worse.cost_reason

    # The same increase on a higher-is-better KPI is an improvement.
    assert effects.verdict_of(Decimal(1000), Node.Direction.HIGHER) == effects.BETTER
    assert effects.verdict_of(Decimal(0), Node.Direction.LOWER) == effects.NO_CHANGE


def test_no_cost_gives_no_cost_per_unit(tree, nodes):
    effect = effects.kpi_effect(nodes["leads"], _weekly(LEADS), tree.weeks, date(2026, 6, 3), None)
    assert effect.effect == Decimal(10) and effect.cost_per_unit is None
    assert effect.cost_reason == "No cost is entered for this initiative."


def test_letters():
    assert [effects.letter(i) for i in (0, 1, 25, 26, 27, 51, 52)] == ["A", "B", "Z", "AA", "AB", "AZ", "BA"]


def test_figures_are_signed_with_units_and_rounded_for_display():
    with translation.override("ja"):
        assert delta(Decimal(10), "件") == "+10件"
        assert delta(Decimal(-1000), "円") == "-1,000円"
        assert delta(Decimal("1.25"), "%") == "+1.3pt"
        assert mean(Decimal(70) / 3, "件") == "23.3件"
        assert cost_per_unit(Decimal("10909.0909"), "件").startswith("10,909円")
        assert "—" in str(mean(None, "件"))
    with translation.override("en"):
        assert delta(Decimal(-1000), "円") == "-¥1,000"
        assert delta(Decimal(1000), "円") == "+¥1,000"
        assert cost_per_unit(Decimal(100), "円") == "¥100 per 円"


# --- the list page ----------------------------------------------------------------------------------------


@pytest.fixture
def scenario(tree, nodes, owner, member):
    enter(nodes["leads"], LEADS)
    enter(nodes["cpl"], {"2026-05-04": 5000, "2026-05-11": 5000, "2026-05-18": 5000, "2026-05-25": 5000})
    enter(nodes["cpl"], {"2026-06-01": 4000, "2026-06-08": 4000, "2026-06-15": 4000, "2026-06-22": 4000})
    enter(nodes["deals"], {f"2026-0{m}-{d}": 2 for m, d in [(5, "04"), (5, "11"), (5, "18"), (5, "25")]})
    enter(nodes["deals"], {f"2026-06-{d}": 3 for d in ("01", "08", "15", "22")})
    enter(nodes["avg_deal_size"], dict.fromkeys(["2026-05-04", "2026-05-11", "2026-05-18", "2026-05-25"], 100000))
    enter(nodes["avg_deal_size"], dict.fromkeys(["2026-06-01", "2026-06-08", "2026-06-15", "2026-06-22"], 100000))
    expo = make(tree, "展示会出展", date(2026, 6, 3), [nodes["leads"], nodes["cpl"]], 300000, owner=member)
    ads = make(tree, "リスティング広告", date(2026, 6, 1), [nodes["leads"]], 1500000, end=date(2026, 6, 30))
    seminar = make(tree, "セミナー", date(2026, 6, 1), [nodes["revenue"]], None)
    return {"expo": expo, "ads": ads, "seminar": seminar}


def test_the_list_shows_each_effect_with_both_means_weeks_and_cost_per_unit(client, member, scenario):
    client.force_login(member)
    response = client.get(reverse("metrics:initiative-list", args=[scenario["expo"].tree_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "展示会出展" in html and "リスティング広告" in html
    assert "13 件" in html and "23 件" in html and "+10 件" in html  # leads: before, after, change
    assert "3 weeks" in html  # weeks after: one week had no value
    assert "¥10,000 per 件" in html  # 300,000 / (10 x 3)
    assert "¥50,000 per 件" in html  # the ads: 1,500,000 / (10 x 3)
    assert "-¥1,000" in html and "Better" in html  # cost per lead went down: better, in words
    assert "¥75 per 円" in html  # 300,000 / (1,000 x 4)
    assert "+¥100,000" in html  # revenue, a formula node: 200,000 -> 300,000 a week
    assert "not proof that the initiative caused the change" in html
    assert "鈴木" in html  # the owner
    assert "1 Jun 2026 – 30 Jun 2026" in html


def test_the_summary_orders_initiatives_by_cost_per_unit_of_improvement(client, member, scenario):
    client.force_login(member)
    response = client.get(reverse("metrics:initiative-list", args=[scenario["expo"].tree_id]))
    leads_summary = next(item for item in response.context["summary"] if item.node.code == "leads")
    assert [row.initiative.title for row, _effect in leads_summary.rows] == ["展示会出展", "リスティング広告"]
    assert [effect.cost_per_unit for _row, effect in leads_summary.rows] == [Decimal(10000), Decimal(50000)]
    codes = [item.node.code for item in response.context["summary"]]
    assert codes == ["revenue", "leads", "cpl"]  # tree order


def test_the_list_in_japanese(client, member, scenario, japanese):
    client.force_login(member)
    html = client.get(reverse("metrics:initiative-list", args=[scenario["expo"].tree_id])).content.decode()
    assert "13件" in html and "23件" in html and "+10件" in html
    assert "3週" in html
    assert "10,000円/件" in html and "50,000円/件" in html
    assert "-1,000円" in html and "改善" in html
    assert "前後比較であり、施策が変化の原因であることを証明するものではありません" in html
    assert "2026/06/01〜2026/06/30" in html
    assert cost_per_unit(Decimal("10909.0909"), "件") == "10,909円/件"


def test_a_worse_result_says_so_in_words(client, member, tree, nodes):
    enter(nodes["cpl"], {"2026-05-25": 4000, "2026-06-01": 5000})
    make(tree, "値上げ", date(2026, 6, 1), [nodes["cpl"]], 1000)
    client.force_login(member)
    html = client.get(reverse("metrics:initiative-list", args=[tree.pk])).content.decode()
    assert "+¥1,000" in html and "Worse" in html
    assert "The KPI got worse after the start" in html


def test_the_number_of_weeks_compared_can_change_and_htmx_gets_the_region(client, member, scenario):
    client.force_login(member)
    url = reverse("metrics:initiative-list", args=[scenario["expo"].tree_id])
    response = client.get(url, {"weeks": "2"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="initiative-effects"')
    assert "<html" not in html
    expo = next(row for row in response.context["rows"] if row.initiative.title == "展示会出展")
    leads = next(effect for effect in expo.effects if effect.node.code == "leads")
    assert (leads.before_mean, leads.after_mean) == (Decimal(15), Decimal(21))  # 14, 16 | 20, 22
    assert client.get(url, {"weeks": "abc"}).context["weeks"] == 4


def test_an_empty_list_says_what_comes(client, owner, tree):
    client.force_login(owner)
    html = client.get(reverse("metrics:initiative-list", args=[tree.pk])).content.decode()
    assert "No initiatives yet" in html
    assert reverse("goals:initiative-create", args=[tree.pk]) in html


def _list_queries(client, tree):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("metrics:initiative-list", args=[tree.pk])).status_code == 200
    return len(queries)


def test_the_list_runs_a_fixed_number_of_queries(client, member, tree, nodes):
    enter(nodes["leads"], LEADS)
    for i in range(2):
        make(tree, f"施策{i}", date(2026, 5, 1) + W * i, [nodes["leads"], nodes["revenue"]], 1000)
    client.force_login(member)
    _list_queries(client, tree)  # warm the session and language
    few = _list_queries(client, tree)
    for i in range(2, 20):
        make(tree, f"施策{i}", date(2026, 5, 1) + W * i, [nodes["leads"], nodes["cpl"], nodes["revenue"]], 1000)
    assert Initiative.objects.count() == 20
    assert _list_queries(client, tree) == few


# --- access -----------------------------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_login(client, scenario):
    tree_id = scenario["expo"].tree_id
    for url in [
        reverse("metrics:initiative-list", args=[tree_id]),
        reverse("goals:initiative-create", args=[tree_id]),
        reverse("goals:initiative-edit", args=[scenario["expo"].pk]),
        reverse("goals:node-initiatives", args=[scenario["expo"].nodes.first().pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"]


def test_it_checks_ownership(client, viewer, hr_member, sales_member, scenario, nodes):
    expo = scenario["expo"]
    tree_id = expo.tree_id
    data = {"title": "勝手な施策", "nodes": [nodes["leads"].pk], "owner": viewer.pk, "start_date": "2026-06-01"}
    for person in (viewer, hr_member):
        client.force_login(person)
        assert client.get(reverse("metrics:initiative-list", args=[tree_id])).status_code == 200  # everyone sees
        assert client.get(reverse("goals:initiative-create", args=[tree_id])).status_code == 403
        assert client.post(reverse("goals:initiative-create-save", args=[tree_id]), data).status_code == 403
        assert client.get(reverse("goals:initiative-edit", args=[expo.pk])).status_code == 403
        assert client.post(reverse("goals:initiative-edit-save", args=[expo.pk]), data).status_code == 403
        assert client.post(reverse("goals:initiative-delete", args=[expo.pk])).status_code == 403
    # Sales owns deals and revenue, not the KPIs of the expo (leads, cpl).
    client.force_login(sales_member)
    assert client.get(reverse("goals:initiative-edit", args=[expo.pk])).status_code == 403
    assert client.post(reverse("goals:initiative-delete", args=[expo.pk])).status_code == 403
    assert client.get(reverse("goals:initiative-edit", args=[scenario["seminar"].pk])).status_code == 200
    assert Initiative.objects.count() == 3
    assert Initiative.objects.get(pk=expo.pk).title == "展示会出展"


def test_the_page_hides_what_a_person_cannot_change(client, viewer, sales_member, scenario):
    tree_id = scenario["expo"].tree_id
    client.force_login(viewer)
    html = client.get(reverse("metrics:initiative-list", args=[tree_id])).content.decode()
    assert reverse("goals:initiative-create", args=[tree_id]) not in html
    assert reverse("goals:initiative-edit", args=[scenario["expo"].pk]) not in html
    client.force_login(sales_member)
    html = client.get(reverse("metrics:initiative-list", args=[tree_id])).content.decode()
    assert reverse("goals:initiative-edit", args=[scenario["expo"].pk]) not in html
    assert reverse("goals:initiative-edit", args=[scenario["seminar"].pk]) in html


def test_changes_refuse_get(client, owner, scenario):
    client.force_login(owner)
    expo = scenario["expo"]
    assert client.get(reverse("goals:initiative-create-save", args=[expo.tree_id])).status_code == 405
    assert client.get(reverse("goals:initiative-edit-save", args=[expo.pk])).status_code == 405
    assert client.get(reverse("goals:initiative-delete", args=[expo.pk])).status_code == 405
    assert Initiative.objects.filter(pk=expo.pk).exists()


# --- adding, editing, deleting ----------------------------------------------------------------------------


def test_a_lead_adds_an_initiative_with_a_pasted_cost(client, owner, tree, nodes):
    client.force_login(owner)
    response = client.get(reverse("goals:initiative-create", args=[tree.pk]), {"node": nodes["leads"].pk})
    assert response.status_code == 200
    assert response.context["form"]["nodes"].initial == [nodes["leads"].pk]
    data = {
        "title": "  ウェビナー  ",
        "description": "毎月のウェビナー",
        "nodes": [nodes["leads"].pk, nodes["deals"].pk],
        "owner": owner.pk,
        "start_date": "2026/06/29",
        "end_date": "2026-09-30",
        "cost": "１，２３４，０００円",
    }
    response = client.post(reverse("goals:initiative-create-save", args=[tree.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("metrics:initiative-list", args=[tree.pk])
    initiative = Initiative.objects.get()
    assert initiative.title == "ウェビナー"
    assert initiative.cost == Decimal(1234000)
    assert initiative.start_date == date(2026, 6, 29) and initiative.end_date == date(2026, 9, 30)
    assert set(initiative.nodes.values_list("code", flat=True)) == {"leads", "deals"}
    record = one(recorded(tree))
    assert record.action == ChangeAction.CREATE
    assert record.changes == {"initiative": ["", "ウェビナー (2026-06-29–2026-09-30; 1234000; deals, leads)"]}
    assert history.describe(record) == [
        ("Initiative", "", "ウェビナー (2026-06-29–2026-09-30; 1234000; deals, leads)")
    ]
    assert client.get(reverse("goals:tree-history", args=[tree.pk])).status_code == 200


def test_a_member_adds_an_initiative_on_a_kpi_of_their_department(client, member, tree, nodes):
    client.force_login(member)
    url = reverse("goals:initiative-create-save", args=[tree.pk])
    base = {"title": "SEO", "owner": member.pk, "start_date": "2026-06-01", "cost": "1,234,000"}
    response = client.post(url, {**base, "nodes": [nodes["deals"].pk]})  # sales' KPI only
    assert response.status_code == 400
    assert "Choose at least one KPI that your department owns" in response.content.decode()
    assert not Initiative.objects.exists()
    response = client.post(url, {**base, "nodes": [nodes["deals"].pk, nodes["leads"].pk]})
    assert response.status_code == 302
    assert Initiative.objects.get().cost == Decimal(1234000)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"cost": "12O万円"}, "cost", "12O万円"),
        ({"cost": "1,2345"}, "cost", "comma in the wrong place"),
        ({"cost": "-5000"}, "cost", "A cost cannot be below zero"),
        (
            {"end_date": "2026-05-31"},
            "end_date",
            "The end date is before the start date. Enter a date on or after 1 Jun",
        ),
        ({"nodes": []}, "nodes", "Choose at least one KPI that the initiative aims to move."),
        ({"start_date": ""}, "start_date", "Enter the date the initiative starts"),
        ({"start_date": "6月1日"}, "start_date", "Enter a date, such as 2026/06/29."),
        ({"title": " "}, "title", "Enter a title"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(client, owner, tree, nodes, changes, field, message):
    client.force_login(owner)
    data = {
        "title": "展示会出展",
        "nodes": [nodes["leads"].pk],
        "owner": owner.pk,
        "start_date": "2026-06-01",
        "end_date": "",
        "cost": "500,000円",
    }
    data.update(changes)
    response = client.post(reverse("goals:initiative-create-save", args=[tree.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html and "<title>Error: " in html
    assert f'href="#id_{field}"' in html  # the summary links to the field
    assert list(response.context["form"].errors) == [field]
    if field != "title":
        assert 'value="展示会出展"' in html  # what was typed stays
    if field != "cost":
        assert 'value="500,000円"' in html
    assert not Initiative.objects.exists()
    assert not recorded()


def test_editing_keeps_typed_values_and_saves_with_history(client, owner, scenario, nodes):
    client.force_login(owner)
    expo = scenario["expo"]
    response = client.get(reverse("goals:initiative-edit", args=[expo.pk]))
    assert response.status_code == 200
    assert 'value="300,000"' in response.content.decode()
    data = {
        "title": "展示会出展（秋）",
        "nodes": [nodes["leads"].pk],
        "owner": owner.pk,
        "start_date": "2026-06-03",
        "cost": "350000",
    }
    response = client.post(reverse("goals:initiative-edit-save", args=[expo.pk]), data)
    assert response.status_code == 302
    expo.refresh_from_db()
    assert expo.title == "展示会出展（秋）" and expo.cost == Decimal(350000) and expo.owner == owner
    assert list(expo.nodes.values_list("code", flat=True)) == ["leads"]
    record = one(recorded(expo.tree, action=ChangeAction.UPDATE))
    assert record.changes["initiative"] == [
        "展示会出展 (2026-06-03–; 300000; cpl, leads)",
        "展示会出展（秋） (2026-06-03–; 350000; leads)",
    ]


def test_a_member_cannot_take_their_own_kpis_off_an_initiative(client, member, scenario, nodes):
    client.force_login(member)
    expo = scenario["expo"]
    data = {"title": "展示会出展", "nodes": [nodes["deals"].pk], "owner": member.pk, "start_date": "2026-06-03"}
    response = client.post(reverse("goals:initiative-edit-save", args=[expo.pk]), data)
    assert response.status_code == 400
    assert set(expo.nodes.values_list("code", flat=True)) == {"leads", "cpl"}


def test_deleting_removes_the_initiative_and_records_it(client, member, scenario):
    client.force_login(member)
    expo = scenario["expo"]
    response = client.post(reverse("goals:initiative-delete", args=[expo.pk]))
    assert response.status_code == 302
    assert not Initiative.objects.filter(pk=expo.pk).exists()
    record = one(recorded(action=ChangeAction.DELETE))
    assert record.changes["initiative"][1] == "" and record.changes["initiative"][0].startswith("展示会出展 (")


# --- a node's initiatives: JSON for the chart, and the include ------------------------------------------


def test_node_initiatives_json_letters_them_by_start_with_the_tree_week(client, viewer, scenario, nodes):
    client.force_login(viewer)
    response = client.get(reverse("goals:node-initiatives", args=[nodes["leads"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == [
        {
            "label": "A",
            "week": "2026-06-01",
            "title": "リスティング広告",
            "start_date": "2026-06-01",
            "end_date": "2026-06-30",
            "cost": "1500000",
        },
        {
            "label": "B",
            "week": "2026-06-01",  # started Wednesday 3 June: the week of Monday 1 June
            "title": "展示会出展",
            "start_date": "2026-06-03",
            "end_date": None,
            "cost": "300000",
        },
    ]
    tree = nodes["leads"].tree
    tree.week_start = 6  # Sunday weeks
    tree.save()
    items = client.get(reverse("goals:node-initiatives", args=[nodes["leads"].pk])).json()
    assert [item["week"] for item in items] == ["2026-05-31", "2026-05-31"]
    assert client.get(reverse("goals:node-initiatives", args=[999999])).status_code == 404


def test_the_chart_plugin_file_registers_the_documented_global_and_id():
    source = (Path(settings.BASE_DIR) / "static" / "js" / "chart-initiatives.js").read_text()
    assert 'id: "goaltreeInitiatives"' in source
    assert "window.GoaltreeInitiativesPlugin = plugin" in source
    assert "#333333" in source and "ctx.lineWidth = 1" in source


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_chart_plugin_turns_the_json_into_markers(client, viewer, scenario, nodes):
    """The plugin's pure helpers, run in Node on this view's real output (no browser, no Chart.js)."""
    client.force_login(viewer)
    payload = client.get(reverse("goals:node-initiatives", args=[nodes["leads"].pk])).content.decode()
    script = (Path(settings.BASE_DIR) / "static" / "js" / "chart-initiatives.js").read_text()
    program = f"""
        var window = {{}};
        {script}
        var plugin = window.GoaltreeInitiativesPlugin;
        var items = plugin.itemsFromJson({payload});
        var weeks = ["2026-05-25", "2026-06-01", "2026-06-08"];
        console.log(JSON.stringify({{
            id: plugin.id, items: items, markers: plugin.markers(items, weeks),
            outside: plugin.markers(items, ["2026-07-06"]), bad: plugin.itemsFromJson(null)
        }}));
    """
    result = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True, timeout=30)
    data = json.loads(result.stdout)
    assert data["id"] == "goaltreeInitiatives"
    assert data["items"] == [
        {"label": "A", "week": "2026-06-01", "title": "リスティング広告"},
        {"label": "B", "week": "2026-06-01", "title": "展示会出展"},
    ]
    assert data["markers"] == [{"index": 1, "labels": ["A", "B"], "titles": ["リスティング広告", "展示会出展"]}]
    assert data["outside"] == [] and data["bad"] == []


def _render_include(node, user):
    """The node page's initiatives: their context (metrics.pages.node_page) rendered by their include."""
    request = RequestFactory().get("/")
    request.user = user
    context = pages.node_page(request, node)["initiatives"]
    return Template('{% include "metrics/includes/node_initiatives.html" %}').render(
        Context({"node": node, "tree": node.tree, "request": request, **context})
    )


def test_the_node_include_lists_its_initiatives_with_letters_and_effect(owner, scenario, nodes):
    node = Node.objects.select_related("tree").get(pk=nodes["leads"].pk)
    html = _render_include(node, owner)
    assert html.index("リスティング広告") < html.index("展示会出展")
    assert ">A</span>" in html and ">B</span>" in html
    assert "+10 件" in html and "¥50,000 per 件" in html and "¥10,000 per 件" in html
    assert reverse("goals:initiative-create", args=[node.tree_id]) + f"?node={node.pk}" in html


def test_the_node_include_runs_a_fixed_number_of_queries(owner, tree, nodes):
    enter(nodes["leads"], LEADS)
    node = Node.objects.select_related("tree").get(pk=nodes["leads"].pk)
    for i in range(2):
        make(tree, f"施策{i}", date(2026, 5, 1) + W * i, [node], 1000, owner=owner)
    _render_include(node, owner)
    with CaptureQueriesContext(connection) as few:
        _render_include(node, owner)
    for i in range(2, 12):
        make(tree, f"施策{i}", date(2026, 5, 1) + W * i, [node], 1000, owner=owner)
    with CaptureQueriesContext(connection) as many:
        html = _render_include(node, owner)
    assert len(many) == len(few)
    assert ">L</span>" in html


def test_form_messages_in_japanese(client, owner, tree, nodes, japanese):
    client.force_login(owner)
    data = {"title": "展示会出展", "owner": owner.pk, "start_date": "2026-06-01", "end_date": "2026-05-31"}
    response = client.post(reverse("goals:initiative-create-save", args=[tree.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "終了日が開始日より前です。2026/06/01以降の日付を入力するか、空欄にしてください。" in html
    assert "施策で動かしたいKPIを1つ以上選んでください。" in html
    assert "動かしたいKPI" in html and "※必須" in html
    assert not Initiative.objects.exists()
