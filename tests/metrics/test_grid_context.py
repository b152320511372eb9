"""The grid's context and last period, checked against docs/numbers.md with numbers worked out by hand:
weekly targets (seasonality), totals to date against targets to date per aggregation, last period's same week,
the change from the same weeks of last period on the dashboard, the unusual-value rule, the one-KPI view."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from goals.models import Node, Tree
from metrics import entry_quality, last_period
from metrics.entry_quality import check, series_flags
from metrics.grid import ALL, GridQuery, build_grids, cell_key
from metrics.models import Entry
from metrics.progress import tree_progress

pytestmark = pytest.mark.usefixtures("english", "english_pages")

NOW = "2026-07-08 10:00 +09:00"  # a Wednesday: the last complete week is that of Monday 29 June
LAST_WEEK = date(2026, 6, 29)
TODAY = date(2026, 7, 8)
GRID = "/numbers/"
KPI = "/numbers/kpi/"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def previous(tree, nodes, marketing, sales):
    """FY2025 with the same codes, recorded as the tree's last period."""
    old = Tree.objects.create(
        code="fy2025-test", name="FY2025 テスト", period_start=date(2025, 4, 1), period_end=date(2026, 3, 31)
    )
    revenue = Node.objects.create(tree=old, code="revenue", name="売上", unit="円", formula="deals * avg_deal_size")
    Node.objects.create(tree=old, parent=revenue, code="deals", name="受注件数", unit="件", department=sales)
    Node.objects.create(
        tree=old, parent=revenue, code="avg_deal_size", name="平均受注単価", unit="円", aggregation="average"
    )
    Node.objects.create(tree=old, parent=revenue, code="leads", name="リード数", unit="件", department=marketing)
    tree.previous = old
    tree.save(update_fields=["previous"])
    return old


def put(tree, code, week, value):
    Entry.objects.update_or_create(node=tree.nodes.get(code=code), week=week, defaults={"value": Decimal(value)})
    Tree.bump_data_version(tree.pk)


def grid_of(user, tree):
    from goals.access import access_for

    tree = Tree.objects.select_related("previous").get(pk=tree.pk)
    return build_grids(access_for(user), [tree], GridQuery(ALL, [tree.pk], None), TODAY)[0]


def row_of(grid, code):
    return next(row for row in grid.rows if row.node.code == code)


def cell_of(row, week):
    return next(cell for cell in row.cells if cell.week == week)


# --- the unusual-value rule ---------------------------------------------------------------------------------


def test_ten_times_the_median_is_flagged_nine_times_is_not():
    history = [Decimal(100)] * 8
    assert check(Decimal(1000), history) == Decimal(100)  # 10 times: one zero too many
    assert check(Decimal(900), history) is None  # 9 times
    assert check(Decimal(10), history) == Decimal(100)  # a tenth: one zero too few
    assert check(Decimal(11), history) is None
    assert check(Decimal(-1000), history) == Decimal(100)  # sizes are compared


def test_too_little_history_or_a_zero_median_is_never_flagged():
    assert check(Decimal(100000), [Decimal(100)] * 3) is None  # 3 earlier entries: too few
    assert check(Decimal(100000), [Decimal(100)] * 4) == Decimal(100)  # 4 are enough
    assert check(Decimal(5), [Decimal(0)] * 8) is None  # a median of 0: nothing to compare with


def test_the_median_is_of_the_last_8_entries_present_before_the_week():
    weeks = [date.fromordinal(date(2026, 3, 30).toordinal() + 7 * i) for i in range(14)]
    # Ten old weeks at 1,000, then eight at 100 with a gap: the median is of the 8 latest present (100).
    values = {week: Decimal(1000) for week in weeks[:2]}
    values.update({week: Decimal(100) for week in weeks[2:12] if week != weeks[5]})
    values[weeks[13]] = Decimal(1000)
    assert series_flags(values, [weeks[13]]) == {weeks[13]: Decimal(100)}
    # The median is 100, not skewed by the two old weeks of 1,000 (they are 9 and 10 entries back).
    assert entry_quality.usual_value([values[w] for w in sorted(values) if w < weeks[13]]) == Decimal(100)


def test_the_message_names_the_value_the_kpi_and_the_usual_value(nodes):
    with translation.override("en"):
        assert entry_quality.message(nodes["avg_deal_size"], Decimal(1234), Decimal(1000000)) == (
            "¥1,234 for 平均受注単価 — usually about ¥1M: typo?"
        )
    with translation.override("ja"):
        assert entry_quality.message(nodes["avg_deal_size"], Decimal(1234), Decimal(1000000)) == (
            "平均受注単価に1,234円 — 普段は約100万円です。入力ミスではありませんか？"
        )


# --- the grid's context -------------------------------------------------------------------------------------


def test_each_cell_shows_its_weekly_target_with_seasonality_weights(tree, nodes, admin):
    n = len(tree.weeks)
    weights = [2] + [1] * (n - 1)  # the first week counts twice
    Node.objects.filter(pk=nodes["leads"].pk).update(weights=weights)
    Tree.bump_data_version(tree.pk)
    grid = grid_of(admin, tree)
    leads = row_of(grid, "leads")
    # 2,400 over n + 1 shares; a week of weight 1 gets one share, rounded half up to 6 places.
    one_share = (Decimal(2400) / Decimal(n + 1)).quantize(Decimal("0.000001"))
    assert cell_of(leads, LAST_WEEK).target == one_share
    # average and recompute nodes: the period target is every week's target.
    assert cell_of(row_of(grid, "avg_deal_size"), LAST_WEEK).target == Decimal(500000)


def test_a_rows_total_to_date_runs_against_its_target_to_date_by_aggregation(tree, nodes, admin):
    weeks = tree.weeks
    k = weeks.index(LAST_WEEK)  # 13 weeks from 30 March to 29 June
    assert k == 13
    for week in weeks[: k + 1]:
        put(tree, "leads", week, 50)
    put(tree, "avg_deal_size", weeks[0], 400000)
    put(tree, "avg_deal_size", LAST_WEEK, 600000)
    put(tree, "avg_deal_size", weeks[k + 1], 999999)  # after the as-of week: not in the total
    grid = grid_of(admin, tree)
    leads, price = row_of(grid, "leads"), row_of(grid, "avg_deal_size")
    n = len(weeks)
    weekly = (Decimal(2400) / n).quantize(Decimal("0.000001"))
    assert leads.to_date == Decimal(50) * (k + 1)  # sum: 700
    assert leads.target_to_date == weekly * (k + 1)  # the sum of the weekly targets to date
    assert price.to_date == Decimal(500000)  # average of the weeks present
    assert price.target_to_date == Decimal(500000)  # the period target
    assert price.achievement == Decimal(100)


def test_the_page_shows_target_last_period_and_total(client, tree, nodes, previous, member):
    k = tree.weeks.index(LAST_WEEK)
    put(tree, "leads", LAST_WEEK, 48)
    put(previous, "leads", previous.weeks[k], 41)  # the same position last period (30 June 2025's week)
    client.force_login(member)
    page = client.get(GRID).content.decode()
    key = cell_key(nodes["leads"].pk, LAST_WEEK)
    assert f'id="ctx-{key}"' in page
    assert "Target 46 · Last period 41" in page.replace("</span> · <span>", " · ")  # 2,400 / 52 weeks ≈ 46
    assert 'class="grid-total num"' in page
    assert 'aria-describedby="state-' + key + " ctx-" + key + '"' in page


def test_last_period_is_matched_by_position_in_the_period_not_by_date(tree, nodes, previous, admin):
    # Last period was a calendar year: its 14th week is not the week of the same date a year before.
    Tree.objects.filter(pk=previous.pk).update(period_start=date(2025, 1, 1), period_end=date(2025, 12, 31))
    previous = Tree.objects.get(pk=previous.pk)
    k = tree.weeks.index(LAST_WEEK)
    by_position = previous.weeks[k]
    same_date_week = date(2025, 6, 30)  # a year before 29 June 2026, on its Monday
    assert by_position == date(2025, 3, 31)
    put(previous, "leads", by_position, 41)
    put(previous, "leads", same_date_week, 7)
    assert last_period.aligned_week(tree, previous, LAST_WEEK) == by_position
    grid = grid_of(admin, tree)
    assert cell_of(row_of(grid, "leads"), LAST_WEEK).last == Decimal(41)


def test_a_tree_without_last_period_shows_no_last_period(tree, nodes, admin):
    grid = grid_of(admin, tree)
    assert grid.previous is None
    assert all(cell.last is None for row in grid.rows for cell in row.cells)


# --- the dashboard: change from the same weeks of last period, numbers to check ---------------------------


def test_the_dashboard_compares_with_the_same_weeks_of_last_period(client, tree, nodes, previous, admin):
    weeks, old = tree.weeks, previous.weeks
    k = weeks.index(LAST_WEEK)
    for i in range(k + 1):
        put(tree, "leads", weeks[i], 60)  # this period to date: 14 x 60 = 840
        put(previous, "leads", old[i], 50)  # last period's first 14 weeks: 700
        put(tree, "avg_deal_size", weeks[i], 510000)
        put(previous, "avg_deal_size", old[i], 500000 if i % 2 else 400000)  # mean of 14 weeks: 450,000
    put(previous, "leads", old[k + 1], 5000)  # week 15 of last period: not among the same weeks
    computed = tree_progress(Tree.objects.get(pk=tree.pk), LAST_WEEK)
    tree = Tree.objects.select_related("previous").get(pk=tree.pk)
    same = last_period.same_weeks(tree, computed.loaded, computed.progress)
    rows = {row.node.code: row for row in same.comparisons}
    assert same.as_of_week == old[k]
    assert (rows["leads"].this, rows["leads"].last) == (Decimal(840), Decimal(700))
    assert rows["leads"].change == Decimal(20)  # (840 - 700) / 700
    assert rows["leads"].change_text == "+20.0%"
    assert rows["avg_deal_size"].last == Decimal(450000)  # average, not sum, over the same weeks
    # revenue recomputes week by week (sum of deals x price): no deals entered, so missing both years.
    assert rows["revenue"].change is None
    client.force_login(admin)
    page = client.get(f"/trees/{tree.pk}/dashboard/").content.decode()
    assert "Against the same weeks of last period" in page
    assert "+20.0%" in page


def test_a_rate_changes_in_points():
    node = Node(unit="%")
    assert last_period.change(Decimal("12.5"), Decimal("10"), node.unit) == Decimal("2.5")
    assert last_period.change(Decimal(5), Decimal(0), "件") is None


def test_the_dashboard_lists_unusual_numbers(client, tree, nodes, admin):
    weeks = tree.weeks
    k = weeks.index(LAST_WEEK)
    for week in weeks[k - 8 : k]:
        put(tree, "avg_deal_size", week, 1000000)
    put(tree, "avg_deal_size", LAST_WEEK, 1234)
    client.force_login(admin)
    page = client.get(f"/trees/{tree.pk}/dashboard/").content.decode()
    assert "Numbers to check" in page
    assert "¥1,234 for 平均受注単価 — usually about ¥1M: typo?" in page
    grid = client.get(GRID, {"show": "all"}).content.decode()
    assert "Usually about ¥1M: typo?" in grid


def test_a_saved_unusual_value_is_flagged_in_the_cell_it_came_from(client, tree, nodes, member):
    weeks = tree.weeks
    k = weeks.index(LAST_WEEK)
    for week in weeks[k - 5 : k]:
        put(tree, "leads", week, 50)
    client.force_login(member)
    key = cell_key(nodes["leads"].pk, LAST_WEEK)
    data = {f"v-{key}": "5000", f"ver-{key}": "0", f"orig-{key}": ""}
    response = client.post("/numbers/save/", data, headers={"HX-Request": "true"})
    assert 'data-outcome="saved"' in response.content.decode()
    assert "cell__flag" in response.content.decode()
    assert Entry.objects.get(node=nodes["leads"], week=LAST_WEEK).value == Decimal(5000)  # saved all the same


def test_the_node_chart_carries_last_periods_weekly_actuals(client, tree, nodes, previous, admin):
    put(previous, "leads", previous.weeks[0], 33)
    client.force_login(admin)
    data = client.get(f"/nodes/{nodes['leads'].pk}/chart.json").json()
    assert data["last_period"]["weekly"][0] == 33
    assert len(data["last_period"]["weekly"]) == len(tree.weeks)
    assert data["text"]["last_period"] == "Last period (FY2025 テスト)"


# --- one KPI at a time, and the entries files -----------------------------------------------------------------


def test_the_one_kpi_view_lists_the_weeks_newest_first_and_saves_them(client, tree, nodes, member):
    client.force_login(member)
    page = client.get(KPI, {"node": nodes["leads"].pk}).content.decode()
    keys = [cell_key(nodes["leads"].pk, week) for week in (LAST_WEEK, date(2026, 6, 22))]
    assert page.index(f'name="v-{keys[0]}"') < page.index(f'name="v-{keys[1]}"')
    assert "Target 46" in page
    data = {f"v-{keys[0]}": "１２０", f"ver-{keys[0]}": "0", f"orig-{keys[0]}": ""}
    response = client.post(f"{KPI}?node={nodes['leads'].pk}", data)
    assert response.status_code == 302
    assert Entry.objects.get(node=nodes["leads"], week=LAST_WEEK).value == Decimal(120)


def test_the_one_kpi_view_keeps_what_was_typed_and_saves_nothing_on_a_problem(client, tree, nodes, member):
    client.force_login(member)
    keys = [cell_key(nodes["leads"].pk, week) for week in (LAST_WEEK, date(2026, 6, 22))]
    data = {f"v-{keys[0]}": "12", f"ver-{keys[0]}": "0", f"orig-{keys[0]}": ""}
    data |= {f"v-{keys[1]}": "120–130", f"ver-{keys[1]}": "0", f"orig-{keys[1]}": ""}
    response = client.post(f"{KPI}?node={nodes['leads'].pk}", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="120–130"' in page
    assert "error-summary" in page
    assert not Entry.objects.exists()


def test_the_one_kpi_view_checks_who_enters_what(client, tree, nodes, member, viewer):
    client.force_login(member)  # marketing: enters leads, not deals (sales)
    assert client.get(KPI, {"node": nodes["deals"].pk}).status_code == 403
    assert client.get(KPI, {"node": nodes["revenue"].pk}).status_code == 403  # a formula
    key = cell_key(nodes["deals"].pk, LAST_WEEK)
    posted = client.post(f"{KPI}?node={nodes['leads'].pk}", {f"v-{key}": "1", f"ver-{key}": "0", f"orig-{key}": ""})
    assert posted.status_code == 404  # another node's cell under leads' address
    assert client.get(KPI, {"node": "x"}).status_code == 404
    page = client.get(KPI).content.decode()
    assert f'value="{nodes["leads"].pk}"' in page and f'value="{nodes["deals"].pk}"' not in page
    client.force_login(viewer)
    assert client.get(KPI, {"node": nodes["leads"].pk}).status_code == 403
    assert not Entry.objects.exists()


def test_the_entries_files_are_linked_from_the_tree_and_the_grid(client, tree, member):
    client.force_login(member)
    for url in (f"/trees/{tree.pk}/", GRID):
        page = client.get(url).content.decode()
        assert f"/trees/{tree.pk}/entries/import/" in page, url
        assert f"/trees/{tree.pk}/entries.csv" in page, url
        assert KPI in page or url != GRID


def test_kept_progress_gives_the_same_flags_as_computed_progress(tree, nodes):
    weeks = tree.weeks
    k = weeks.index(LAST_WEEK)
    for i, week in enumerate(weeks[: k + 1]):
        put(tree, "leads", week, 1000 if i < 3 else 100)
    put(tree, "leads", weeks[k - 2], 1000)  # 10 times its 8 entries before (100 x 8)
    tree = Tree.objects.get(pk=tree.pk)
    computed = tree_progress(tree, LAST_WEEK)  # computed now: entries as Decimals
    kept = tree_progress(tree, LAST_WEEK)  # read back from the cache: the packed text
    assert computed.loaded.entries is not None and kept.loaded.entries is None
    visible = weeks[k - 5 : k + 1]
    names = entry_quality.week_names(kept.loaded)
    from_kept = entry_quality.recent_values(kept.loaded, "leads", visible[0], names)
    assert min(from_kept) == weeks[k - 5 - 8]  # the 8 entries before the first visible week, no more
    expected = {weeks[k - 2]: Decimal(100)}
    assert series_flags(from_kept, visible) == expected
    assert series_flags(computed.loaded.entries["leads"], visible) == expected


def test_the_dashboard_shows_a_change_to_last_periods_numbers_at_once(client, tree, nodes, previous, admin):
    k = tree.weeks.index(LAST_WEEK)
    for i in range(k + 1):
        put(tree, "leads", tree.weeks[i], 60)
        put(previous, "leads", previous.weeks[i], 50)
    client.force_login(admin)
    assert "+20.0%" in client.get(f"/trees/{tree.pk}/dashboard/").content.decode()
    put(previous, "leads", previous.weeks[0], 120)  # last period: 770, not 700 (its numbers are kept apart)
    assert "+9.1%" in client.get(f"/trees/{tree.pk}/dashboard/").content.decode()
