"""The progress engine against hand-computed examples of every rule in docs/numbers.md "Progress"."""

from datetime import date, timedelta
from decimal import Decimal, localcontext

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from goals.periods import period_weeks
from metrics.engine import (
    DIVISION_BY_ZERO,
    FORMULA_ERROR,
    MISSING_INPUT,
    NO_ENTRY,
    TARGETS_DO_NOT_ADD_UP,
    WEIGHTS_IGNORED,
    NodeData,
    TreeData,
    achievement_of,
    compute,
    driver_evidence,
    initiative_effect,
    status_of,
    weekly_targets,
)

D = Decimal
MONDAY = date(2026, 4, 6)


def weeks_from(start=MONDAY, count=6):
    return tuple(start + timedelta(weeks=i) for i in range(count))


WEEKS = weeks_from()


NINETY = D(90)
TOLERANCE = D("1e-20")


def make_tree(*nodes, weeks=WEEKS, threshold=NINETY):
    return TreeData(code="t", weeks=tuple(weeks), warning_threshold=threshold, nodes=tuple(nodes))


def series(*values, weeks=WEEKS):
    """Entries of one node: values in week order, None = no entry."""
    return {week: D(value) for week, value in zip(weeks, values, strict=False) if value is not None}


def exact(expression):
    with localcontext(prec=34):
        return expression()


def close(value, expected, tolerance=TOLERANCE):
    return value is not None and abs(value - expected) <= tolerance * max(1, abs(expected))


def kinds(progress):
    return [(warning.kind, warning.node) for warning in progress.warnings]


# --- aggregation ----------------------------------------------------------------------------------------------


def test_recompute_is_the_formula_over_the_range_never_the_mean_of_weekly_rates():
    tree = make_tree(
        NodeData("win_rate", formula="deals / leads", aggregation="recompute", target=D("0.2")),
        NodeData("deals", parent="win_rate"),
        NodeData("leads", parent="win_rate"),
        NodeData("mean_rate", parent="deals"),  # not used; keeps the tree honest about drivers
    )
    entries = {"deals": series(5, 10), "leads": series(10, 100)}
    progress = compute(tree, entries, WEEKS[1])
    rate = progress.nodes["win_rate"]
    assert [week.actual for week in rate.weeks[:2]] == [D("0.5"), D("0.1")]
    assert rate.actual_to_date == exact(lambda: D(15) / D(110))  # 0.136..., not (0.5 + 0.1) / 2 = 0.3
    assert rate.cumulative_actual[:2] == [D("0.5"), exact(lambda: D(15) / D(110))]


def test_a_formula_node_with_average_is_the_mean_of_its_weekly_values():
    tree = make_tree(
        NodeData("rate", formula="deals / leads", aggregation="average", target=D("0.2")),
        NodeData("deals", parent="rate"),
        NodeData("leads", parent="rate"),
    )
    progress = compute(tree, {"deals": series(5, 10), "leads": series(10, 100)}, WEEKS[1])
    assert progress.nodes["rate"].actual_to_date == D("0.3")


def test_a_sum_formula_node_is_computed_week_by_week_then_summed():
    tree = make_tree(
        NodeData("revenue", formula="deals * price", target=D(1000)),
        NodeData("deals", parent="revenue"),
        NodeData("price", parent="revenue", aggregation="average"),
    )
    progress = compute(tree, {"deals": series(2, 3), "price": series(100, 200)}, WEEKS[1])
    assert progress.nodes["revenue"].actual_to_date == D(800)  # 2*100 + 3*200, not 5 * 150
    assert progress.nodes["price"].actual_to_date == D(150)


@pytest.mark.parametrize(
    ("aggregation", "values", "expected"),
    [
        ("sum", (10, None, 20, None), D(30)),
        ("average", (10, None, 20, None), D(15)),
        ("last", (10, 20, None, None), D(20)),
        ("sum", (None, None, None, 5), None),  # the week after D does not count
    ],
)
def test_measured_aggregation_skips_missing_weeks(aggregation, values, expected):
    tree = make_tree(NodeData("kpi", aggregation=aggregation, target=D(100)))
    progress = compute(tree, {"kpi": series(*values)}, WEEKS[2])
    assert progress.nodes["kpi"].actual_to_date == expected


def test_a_formula_value_is_missing_when_an_input_is_missing():
    tree = make_tree(
        NodeData("total", formula="a + b", target=D(10)),
        NodeData("a", parent="total"),
        NodeData("b", parent="total"),
    )
    progress = compute(tree, {"a": series(1, 2, 3), "b": series(10, None, 30)}, WEEKS[2])
    total = progress.nodes["total"]
    assert [week.actual for week in total.weeks[:3]] == [D(11), None, D(33)]
    assert total.weeks[1].reason == MISSING_INPUT
    assert total.actual_to_date == D(44)  # the week with a missing input is skipped
    assert progress.nodes["b"].weeks[1].reason == NO_ENTRY
    warning = progress.warnings_for("total")[0]
    assert (warning.kind, warning.weeks, warning.inputs) == (MISSING_INPUT, (WEEKS[1],), ("b",))


def test_missing_input_warnings_cover_weeks_up_to_the_as_of_week_only():
    tree = make_tree(
        NodeData("total", formula="a + b", target=D(10)),
        NodeData("a", parent="total"),
        NodeData("b", parent="total"),
    )
    progress = compute(tree, {"a": series(1, 2), "b": series(1, 2)}, WEEKS[1])
    assert progress.warnings == []
    assert progress.nodes["total"].weeks[4].reason == MISSING_INPUT


# --- division by zero and formula errors ----------------------------------------------------------------------


def test_division_by_zero_is_a_missing_value_with_its_reason():
    tree = make_tree(
        NodeData("win_rate", formula="deals / leads", aggregation="recompute", target=D("0.2")),
        NodeData("deals", parent="win_rate"),
        NodeData("leads", parent="win_rate"),
    )
    progress = compute(tree, {"deals": series(0, 0, 3), "leads": series(0, 0, 10)}, WEEKS[1])
    rate = progress.nodes["win_rate"]
    assert rate.weeks[0].actual is None
    assert rate.weeks[0].reason == DIVISION_BY_ZERO
    assert rate.actual_to_date is None
    assert rate.actual_reason == DIVISION_BY_ZERO
    assert rate.status == "no_data"
    assert rate.weeks[2].actual == D("0.3")
    warning = progress.warnings_for("win_rate")[0]
    assert (warning.kind, warning.weeks) == (DIVISION_BY_ZERO, (WEEKS[0], WEEKS[1]))


def test_a_formula_that_cannot_be_used_is_a_warning_and_missing_values():
    tree = make_tree(
        NodeData("total", formula="a +", target=D(10)),
        NodeData("a", parent="total"),
        NodeData("other", formula="x * unknown", target=D(10), parent="total"),
        NodeData("x", parent="other"),
    )
    progress = compute(tree, {"a": series(1, 2)}, WEEKS[1])
    assert kinds(progress) == [(FORMULA_ERROR, "total"), (FORMULA_ERROR, "other")]
    total = progress.nodes["total"]
    assert total.actual_to_date is None
    assert total.actual_reason == FORMULA_ERROR
    assert {week.reason for week in total.weeks} == {FORMULA_ERROR}
    assert total.forecast is None
    assert "unknown" in progress.warnings_for("other")[0].detail


# --- targets over time ----------------------------------------------------------------------------------------


def test_an_even_spread_rounds_to_6_places_and_the_last_week_takes_the_remainder():
    targets = weekly_targets(D(100), "sum", range(52))
    assert targets[:51] == [D("1.923077")] * 51
    assert targets[51] == D("1.923073")
    assert sum(targets) == D(100)


def test_weights_are_normalised():
    assert weekly_targets(D(10), "sum", range(3), (D(1), D(2), D(1))) == [D("2.5"), D(5), D("2.5")]
    assert weekly_targets(D(100), "sum", range(3), (D(1), D(1), D(1))) == [
        D("33.333333"),
        D("33.333333"),
        D("33.333334"),
    ]
    assert weekly_targets(D(1), "sum", range(3), (0, 1, 2)) == [D(0), D("0.333333"), D("0.666667")]


@pytest.mark.parametrize("aggregation", ["average", "last", "recompute"])
def test_the_period_target_of_other_aggregations_is_every_weeks_target(aggregation):
    assert weekly_targets(D(20), aggregation, range(4), (1, 2, 3, 4)) == [D(20)] * 4
    assert weekly_targets(None, aggregation, range(2)) == [None, None]


def test_unusable_weights_spread_evenly_with_a_warning():
    tree = make_tree(NodeData("kpi", target=D(60), weights=(D(1), D(2))))
    progress = compute(tree, {}, WEEKS[0])
    assert [week.target for week in progress.nodes["kpi"].weeks] == [D(10)] * 6
    assert kinds(progress) == [(WEIGHTS_IGNORED, "kpi")]
    for weights in ((D(-1),) * 6, (D(0),) * 6):
        assert weekly_targets(D(60), "sum", WEEKS, weights) == [D(10)] * 6


def test_target_to_date_is_the_pace_for_sum_and_the_period_target_otherwise():
    tree = make_tree(
        NodeData("leads", target=D(60), stretch=D(120), weights=(D(1), D(1), D(2), D(2), D(0), D(0))),
        NodeData("nps", parent="leads", aggregation="average", target=D(40)),
    )
    progress = compute(tree, {"leads": series(5, 5, 20), "nps": series(30)}, WEEKS[2])
    leads = progress.nodes["leads"]
    assert [week.target for week in leads.weeks] == [D(10), D(10), D(20), D(20), D(0), D(0)]
    assert leads.target_to_date == D(40)
    assert leads.stretch_to_date == D(80)
    assert leads.cumulative_target == [D(10), D(20), D(40), D(60), D(60), D(60)]
    assert leads.cumulative_stretch[-1] == D(120)
    assert leads.achievement == D(75)
    assert progress.nodes["nps"].target_to_date == D(40)
    assert progress.nodes["nps"].cumulative_target == [D(40)] * 6


# --- achievement and status -------------------------------------------------------------------------------------


def test_lower_is_better_divides_the_target_by_the_actual():
    tree = make_tree(NodeData("cpa", aggregation="average", direction="lower", target=D(1000)))
    good = compute(tree, {"cpa": series(800)}, WEEKS[0]).nodes["cpa"]
    assert (good.achievement, good.status) == (D(125), "on_track")
    bad = compute(tree, {"cpa": series(1250)}, WEEKS[0]).nodes["cpa"]
    assert (bad.achievement, bad.status) == (D(80), "off_track")


@pytest.mark.parametrize(
    ("actual", "target", "direction", "status"),
    [
        (D(5), D(0), "higher", "on_track"),  # target to date 0: compare directly
        (D(0), D(0), "higher", "on_track"),
        (D(-1), D(0), "higher", "off_track"),
        (D(0), D(10), "lower", "on_track"),  # lower with actual 0: target / 0
        (D(0), D(0), "lower", "on_track"),
    ],
)
def test_a_zero_denominator_compares_actual_and_target_directly(actual, target, direction, status):
    achievement = achievement_of(actual, target, direction)
    if direction == "higher" or actual == 0:
        assert achievement is None
    assert status_of(actual, target, achievement, direction) == status


def test_a_zero_target_to_date_from_seasonality_compares_directly():
    tree = make_tree(NodeData("leads", target=D(60), weights=(D(0), D(0), D(1), D(1), D(1), D(1))))
    leads = compute(tree, {"leads": series(3)}, WEEKS[0]).nodes["leads"]
    assert (leads.target_to_date, leads.achievement, leads.status) == (D(0), None, "on_track")


def test_status_order_incomplete_then_no_data_then_by_achievement():
    tree = make_tree(
        NodeData("a", target=None),
        NodeData("b", parent="a", target=D(10)),
        NodeData("c", parent="a", target=None),
    )
    progress = compute(tree, {"c": series(5)}, WEEKS[0])
    assert progress.nodes["a"].status == "incomplete"  # no target and no data: incomplete first
    assert progress.nodes["b"].status == "no_data"
    assert progress.nodes["c"].status == "incomplete"  # data but no target: never on track


@pytest.mark.parametrize(
    ("actual", "threshold", "status"),
    [
        (D(100), D(90), "on_track"),
        (D(120), D(90), "on_track"),
        (D("99.99"), D(90), "at_risk"),
        (D(90), D(90), "at_risk"),
        (D("89.99"), D(90), "off_track"),
        (D(95), D(96), "off_track"),
        (D(95), D(80), "at_risk"),
    ],
)
def test_the_warning_threshold_comes_from_the_tree(actual, threshold, status):
    tree = make_tree(NodeData("kpi", aggregation="last", target=D(100)), threshold=threshold)
    assert compute(tree, {"kpi": {WEEKS[0]: actual}}, WEEKS[0]).nodes["kpi"].status == status


def test_as_of_is_clamped_to_the_period():
    tree = make_tree(NodeData("kpi", target=D(6)))
    assert compute(tree, {}, date(2020, 1, 1)).as_of_week == WEEKS[0]
    assert compute(tree, {}, date(2030, 1, 1)).as_of_week == WEEKS[-1]
    assert compute(tree, {}, WEEKS[2] + timedelta(days=6)).as_of_week == WEEKS[2]


# --- forecast -----------------------------------------------------------------------------------------------------


def test_the_forecast_projects_the_mean_of_the_last_4_weeks_and_ignores_entries_after_d():
    tree = make_tree(NodeData("leads", target=D(150)))
    progress = compute(tree, {"leads": series(10, 20, 30, 40, 500, 600)}, WEEKS[3])
    leads = progress.nodes["leads"]
    assert leads.projection == D(25)
    assert leads.forecast == D(150)  # 100 so far + 2 weeks at 25; the entered 500 and 600 are not used
    assert [week.forecast for week in leads.weeks] == [None, None, None, None, D(25), D(25)]
    assert [week.actual for week in leads.weeks][4:] == [D(500), D(600)]  # still shown as entered
    assert leads.cumulative_actual == [D(10), D(30), D(60), D(100), None, None]
    assert leads.cumulative_forecast == [None, None, None, D(100), D(125), D(150)]


def test_missing_past_weeks_stay_missing_and_fewer_than_4_weeks_are_used_when_fewer_exist():
    tree = make_tree(NodeData("leads", target=D(150)), NodeData("nps", parent="leads", aggregation="average"))
    progress = compute(tree, {"leads": series(10, None, 30, 40, 50, 60), "nps": series(None, 20)}, WEEKS[4])
    leads = progress.nodes["leads"]
    assert leads.projection == D("32.5")  # 10, 30, 40, 50
    assert leads.forecast == D("162.5")
    assert leads.weeks[1].actual is None
    nps = progress.nodes["nps"]
    assert nps.projection == D(20)
    assert nps.forecast == D(20)


def test_no_value_up_to_d_means_no_forecast():
    tree = make_tree(NodeData("leads", target=D(150)))
    leads = compute(tree, {"leads": series(None, None, 30, 40)}, WEEKS[1]).nodes["leads"]
    assert (leads.projection, leads.forecast) == (None, None)


def test_formula_forecasts_use_the_projected_inputs():
    entries = {"deals": series(2, 4), "price": series(100, 200)}
    revenue = make_tree(
        NodeData("revenue", formula="deals * price", target=D(1000)),
        NodeData("deals", parent="revenue"),
        NodeData("price", parent="revenue", aggregation="average"),
    )
    progress = compute(revenue, entries, WEEKS[1])
    # Projections: deals 3, price 150, so each of the 4 later weeks makes 450.
    assert progress.nodes["revenue"].forecast == D(200 + 800 + 4 * 450)
    assert progress.nodes["revenue"].weeks[5].forecast == D(450)
    assert progress.nodes["revenue"].cumulative_forecast == [None, D(1000), D(1450), D(1900), D(2350), D(2800)]
    rate = make_tree(
        NodeData("rate", formula="deals / price", aggregation="recompute", target=D(1)),
        NodeData("deals", parent="rate"),
        NodeData("price", parent="rate", aggregation="average"),
    )
    progress = compute(rate, entries, WEEKS[1])
    # Over the period: total deals / mean price = (2 + 4 + 4 * 3) / 150; to date 6 / 150.
    assert progress.nodes["rate"].forecast == D("0.12")
    assert progress.nodes["rate"].cumulative_forecast[1] == D("0.04")
    assert progress.nodes["rate"].cumulative_forecast[2] == exact(lambda: D(9) / D(150))


def test_at_the_periods_end_the_forecast_equals_the_actual():
    tree = make_tree(
        NodeData("revenue", formula="deals * price", target=D(1000)),
        NodeData("deals", parent="revenue"),
        NodeData("price", parent="revenue", aggregation="average"),
        NodeData("rate", formula="num / den", aggregation="recompute", parent="revenue"),
        NodeData("num", parent="rate"),
        NodeData("den", parent="rate", aggregation="average"),
        NodeData("stock", aggregation="last", parent="deals"),
    )
    entries = {
        "deals": series(2, 4, None, 1, 1, 3),
        "price": series(100, 200, 50, 50, None, 80),
        "num": series(1, 2, 3),
        "den": series(10, None, 30),
        "stock": series(7),
    }
    progress = compute(tree, entries, date(2030, 1, 1))
    for node in progress.nodes.values():
        assert node.forecast == node.actual_to_date, node.code
        assert node.cumulative_forecast[-1] == node.actual_to_date


# --- sensitivity and ranking ----------------------------------------------------------------------------------


def funnel():
    return make_tree(
        NodeData("profit", formula="revenue - cost", target=D(100)),
        NodeData("revenue", parent="profit", formula="sessions * cvr + extra", target=D(300)),
        NodeData("sessions", parent="revenue", target=D(1000)),
        NodeData("cvr", parent="revenue", aggregation="average", target=D("0.1")),
        NodeData("extra", parent="revenue", target=D(1)),  # only zeros: 1% more of nothing
        NodeData("cost", parent="profit", target=D(100)),
        NodeData("ads", parent="cost", target=D(10)),  # a driver of cost
        NodeData("unused", parent="profit", target=D(1)),  # a child the formula does not use
    )


def funnel_entries():
    return {
        "sessions": series(100, 200, 300),
        "cvr": series("0.5", "0.5", "0.5"),
        "extra": series(0, 0, 0),
        "cost": series(50, 50, 50),
        "ads": series(5, 6, 7),
        "unused": series(1, 1, 1),
    }


def test_sensitivity_of_a_product_is_1_for_each_factor_and_a_share_in_a_difference():
    progress = compute(funnel(), funnel_entries(), WEEKS[2])
    nodes = progress.nodes
    # revenue: 50 + 100 + 150 + 3 projected weeks at 100 = 600; cost 6 * 50 = 300; profit 300.
    assert nodes["revenue"].forecast == D(600)
    assert nodes["profit"].forecast == D(300)
    assert nodes["sessions"].sensitivity == D(2)  # revenue +1% = +6 on a profit of 300: +2%
    assert nodes["cvr"].sensitivity == D(2)
    assert nodes["cost"].sensitivity == D(-1)  # cost +1% = -3 on 300
    assert nodes["ads"].sensitivity == D(0)  # a driver does not feed the KGI through formulas
    assert nodes["unused"].sensitivity == D(0)
    assert nodes["extra"].sensitivity == D(0)
    assert nodes["revenue"].sensitivity is None  # formula nodes have none
    assert nodes["profit"].sensitivity is None
    assert progress.ranking == ["sessions", "cvr", "cost", "extra", "ads", "unused"]


def test_sensitivity_of_a_product_kgi_is_exactly_1_per_factor():
    tree = make_tree(
        NodeData("revenue", formula="deals * price", target=D(1000)),
        NodeData("deals", parent="revenue"),
        NodeData("price", parent="revenue", aggregation="average"),
    )
    progress = compute(tree, {"deals": series(2, 4, 3), "price": series(100, 200, 150)}, WEEKS[2])
    assert progress.nodes["deals"].sensitivity == 1
    assert progress.nodes["price"].sensitivity == 1


def test_sensitivity_of_a_sum_is_each_inputs_share():
    tree = make_tree(
        NodeData("leads", formula="web + events", target=D(100)),
        NodeData("web", parent="leads"),
        NodeData("events", parent="leads"),
    )
    progress = compute(tree, {"web": series(30, 30), "events": series(10, 10)}, WEEKS[-1])
    assert progress.nodes["web"].sensitivity == D("0.75")
    assert progress.nodes["events"].sensitivity == D("0.25")
    assert progress.ranking == ["web", "events"]


def test_a_rate_under_a_sum_formula_passes_its_weekly_values_up():
    tree = make_tree(
        NodeData("orders", formula="visits * cvr", target=D(1000)),
        NodeData("visits", parent="orders"),
        NodeData("cvr", parent="orders", formula="buyers / sessions", aggregation="recompute"),
        NodeData("buyers", parent="cvr"),
        NodeData("sessions", parent="cvr"),
    )
    entries = {
        "visits": series(100, 200),
        "buyers": series(1, 6),
        "sessions": series(10, 30),
    }
    progress = compute(tree, entries, WEEKS[-1])
    assert progress.nodes["orders"].forecast == D(50)  # 100 * 0.1 + 200 * 0.2
    assert progress.nodes["visits"].sensitivity == 1
    assert progress.nodes["buyers"].sensitivity == 1
    assert close(progress.nodes["sessions"].sensitivity, exact(lambda: (1 / D("1.01") - 1) * 100))


def test_a_rate_kgi_is_recomputed_from_its_inputs_period_values():
    tree = make_tree(
        NodeData("cvr", formula="orders / sessions", aggregation="recompute", target=D("0.02")),
        NodeData("orders", parent="cvr"),
        NodeData("sessions", parent="cvr", formula="web + app"),
        NodeData("web", parent="sessions"),
        NodeData("app", parent="sessions"),
    )
    entries = {"orders": series(2, 4), "web": series(60, 40), "app": series(40, 60)}
    progress = compute(tree, entries, WEEKS[-1])
    assert progress.nodes["cvr"].forecast == D("0.03")  # 6 / 200, not the mean of 0.02 and 0.04
    assert progress.nodes["orders"].sensitivity == 1
    # web +1% makes 201 sessions: 6 / 201 is (200 / 201 - 1) x 100 % lower.
    assert close(progress.nodes["web"].sensitivity, exact(lambda: (D(200) / D(201) - 1) * 100))
    assert progress.ranking == ["orders", "web", "app"]


def test_sensitivity_is_missing_when_the_kgi_forecast_is_missing_or_zero():
    tree = make_tree(
        NodeData("profit", formula="revenue - cost", target=D(1)),
        NodeData("revenue", parent="profit"),
        NodeData("cost", parent="profit"),
    )
    zero = compute(tree, {"revenue": series(5), "cost": series(5)}, WEEKS[0])
    assert zero.nodes["profit"].forecast == 0
    assert zero.nodes["revenue"].sensitivity is None
    assert zero.ranking == []
    missing = compute(tree, {"revenue": series(5)}, WEEKS[0])
    assert missing.nodes["cost"].sensitivity is None


def test_a_measured_kgi_moves_itself_and_nothing_else():
    tree = make_tree(NodeData("sales", target=D(10)), NodeData("calls", parent="sales"))
    progress = compute(tree, {"sales": series(5), "calls": series(50)}, WEEKS[0])
    assert progress.nodes["sales"].sensitivity == 1
    assert progress.nodes["calls"].sensitivity == 0
    assert progress.ranking == ["calls"]  # the KGI itself is not ranked


# --- targets that do not add up -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "warned"),
    [("500000", False), ("497000", False), ("495000", False), ("494999", True), ("490000", True)],
)
def test_targets_that_do_not_add_up_warn_over_1_percent(price, warned):
    tree = make_tree(
        NodeData("revenue", name="売上", formula="deals * price", target=D(120000000), unit="円"),
        NodeData("deals", name="受注件数", parent="revenue", target=D(240)),
        NodeData("price", name="平均単価", parent="revenue", aggregation="average", target=D(price)),
    )
    progress = compute(tree, {}, WEEKS[0])
    warnings = [warning for warning in progress.warnings if warning.kind == TARGETS_DO_NOT_ADD_UP]
    assert bool(warnings) is warned
    if warned:
        (warning,) = warnings
        assert warning.node == "revenue"
        assert warning.expected == D(240) * D(price)
        assert warning.target == D(120000000)
        assert warning.inputs == ("deals", "price")
        with translation.override("en"):
            message = warning.message(tree)
        assert f"¥{D(240) * D(price):,}" in message
        assert "¥120,000,000" in message
        assert "“受注件数”" in message


def test_targets_are_not_checked_when_a_child_has_none():
    tree = make_tree(
        NodeData("revenue", formula="deals * price", target=D(100)),
        NodeData("deals", parent="revenue", target=D(1)),
        NodeData("price", parent="revenue"),
    )
    assert TARGETS_DO_NOT_ADD_UP not in {warning.kind for warning in compute(tree, {}, WEEKS[0]).warnings}


def test_every_warning_has_a_message():
    tree = make_tree(
        NodeData("total", formula="a / b", target=D(10), weights=(D(1),)),
        NodeData("a", parent="total", target=D(1)),
        NodeData("b", parent="total", target=D(1)),
        NodeData("broken", parent="a", formula="(", target=D(1)),
    )
    progress = compute(tree, {"a": series(1, 1, 1, 1, 1), "b": series(0, None, 0, 0, 0)}, WEEKS[4])
    assert {warning.kind for warning in progress.warnings} == {
        TARGETS_DO_NOT_ADD_UP,
        DIVISION_BY_ZERO,
        MISSING_INPUT,
        FORMULA_ERROR,
        WEIGHTS_IGNORED,
    }
    with translation.override("en"):
        messages = {warning.kind: warning.message(tree) for warning in progress.warnings}
    assert all(message and "%(" not in message for message in messages.values())
    assert "4 weeks" in messages[DIVISION_BY_ZERO]
    assert "…" in messages[DIVISION_BY_ZERO]  # only the first 3 weeks are listed
    assert "“b”" in messages[MISSING_INPUT]
    assert "6 weeks" in messages[WEIGHTS_IGNORED]


# --- properties -----------------------------------------------------------------------------------------------

amounts = st.decimals(min_value=D("-1e12"), max_value=D("1e12"), places=6, allow_nan=False, allow_infinity=False)
weights_lists = st.lists(
    st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False), min_size=1, max_size=60
).filter(lambda weights: sum(weights) > 0)


@given(target=amounts, weights=weights_lists)
def test_weekly_targets_add_up_exactly(target, weights):
    weeks = range(len(weights))
    for spread in (weekly_targets(target, "sum", weeks, weights), weekly_targets(target, "sum", weeks)):
        assert sum(spread, D(0)) == target
        assert all(value.as_tuple().exponent >= -6 for value in spread)


week_values = st.lists(
    st.none() | st.decimals(min_value=-1000, max_value=100000, places=2, allow_nan=False, allow_infinity=False),
    min_size=6,
    max_size=6,
)


@settings(max_examples=60)
@given(a=week_values, b=week_values)
def test_a_sum_formula_node_equals_the_sum_of_its_children_over_any_range(a, b):
    tree = make_tree(
        NodeData("total", formula="a + b", target=D(1)),
        NodeData("a", parent="total"),
        NodeData("b", parent="total"),
    )
    progress = compute(tree, {"a": series(*a), "b": series(*b)}, WEEKS[-1])
    total = progress.nodes["total"].cumulative_actual
    for end in range(len(WEEKS)):
        both = [(x, y) for x, y in zip(a[: end + 1], b[: end + 1], strict=True) if x is not None and y is not None]
        expected = sum((x + y for x, y in both), D(0)) if both else None
        assert total[end] == expected
        if all(value is not None for value in a[: end + 1] + b[: end + 1]):
            assert total[end] == sum(a[: end + 1], D(0)) + sum(b[: end + 1], D(0))


positive = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=60)
@given(
    a=st.lists(positive, min_size=6, max_size=6),
    b=st.lists(positive, min_size=6, max_size=6),
    aggregation=st.sampled_from(["sum", "recompute"]),
    as_of=st.integers(min_value=0, max_value=5),
)
def test_one_percent_more_of_every_input_of_a_product_is_exactly_2_01_percent_more(a, b, aggregation, as_of):
    def product(x, y):
        tree = make_tree(
            NodeData("p", formula="a * b", aggregation=aggregation, target=D(1)),
            NodeData("a", parent="p"),
            NodeData("b", parent="p"),
        )
        return compute(tree, {"a": series(*x), "b": series(*y)}, WEEKS[as_of])

    before = product(a, b)
    after = product([value * D("1.01") for value in a], [value * D("1.01") for value in b])
    p_before, p_after = before.nodes["p"], after.nodes["p"]
    assert p_after.actual_to_date == p_before.actual_to_date * D("1.0201")
    # Projections are means (divisions), exact to 34 digits only.
    assert close(p_after.forecast, p_before.forecast * D("1.0201"))
    # One factor alone moves it by 1%: the sensitivity of each factor is 1.
    assert close(before.nodes["a"].sensitivity, D(1))
    assert close(before.nodes["b"].sensitivity, D(1))


# --- drivers ----------------------------------------------------------------------------------------------------


def test_driver_evidence_finds_a_perfect_correlation_at_its_lag():
    weeks = weeks_from(count=12)
    driver = [D(value) for value in (3, 7, 1, 8, 2, 9, 4, 4, 6, 1, 5, 2)]
    parent = {weeks[k]: 3 * driver[k - 2] + 5 for k in range(2, 12)}
    evidence = driver_evidence(dict(zip(weeks, driver, strict=True)), parent, weeks)
    assert evidence.best_lag == 2
    assert abs(evidence.best.r - 1) < D("1e-20")
    assert evidence.best.pairs == 10
    assert [item.lag for item in evidence.lags] == [0, 1, 2, 3, 4]
    assert all(abs(item.r) < D("0.99") for item in evidence.lags if item.lag != 2)


def test_driver_evidence_needs_3_pairs_and_variation():
    weeks = weeks_from(count=4)
    evidence = driver_evidence([D(1), D(2), D(3), D(4)], [D(2), D(4), D(6), D(8)], weeks)
    assert evidence.lags[0].r == 1
    assert evidence.lags[2].pairs == 2  # lag 2 has 2 pairs: it has an r but cannot be the best
    assert evidence.best_lag == 0
    flat = driver_evidence([D(1)] * 4, [D(2), D(4), D(6), None], weeks)
    assert flat.lags[0] == (0, None, 3)
    assert flat.best_lag is None


# --- initiatives ------------------------------------------------------------------------------------------------


def test_initiative_effect_compares_the_4_weeks_before_and_after():
    weeks = weeks_from(count=12)
    values = dict(zip(weeks, [D(v) for v in (0, 0, 10, 12, 14, 16, 20, 22, 24, 26, 99, 99)], strict=True))
    effect = initiative_effect(values, weeks, weeks[6] + timedelta(days=2), cost=D(400))
    assert effect.start_week == weeks[6]
    assert (effect.before_mean, effect.after_mean) == (D(13), D(23))
    assert (effect.weeks_before, effect.weeks_after) == (4, 4)
    assert effect.effect == D(10)
    assert effect.cost_per_unit == D(10)  # 400 / (10 x 4)


def test_initiative_effect_uses_fewer_weeks_where_the_data_does_not_reach():
    weeks = weeks_from(count=8)
    values = {weeks[0]: D(5), weeks[2]: D(7), weeks[3]: D(9), weeks[4]: D(9)}
    effect = initiative_effect(values, weeks, weeks[3], n=4, cost=D(100))
    assert (effect.weeks_before, effect.weeks_after) == (2, 2)  # weeks 0 and 2 before; 3 and 4 after
    assert (effect.before_mean, effect.after_mean, effect.effect) == (D(6), D(9), D(3))
    assert effect.cost_per_unit == exact(lambda: D(100) / D(6))


def test_initiative_effect_without_a_change_or_data_has_no_cost_per_unit():
    weeks = weeks_from(count=8)
    flat = initiative_effect(dict.fromkeys(weeks, D(3)), weeks, weeks[4], cost=D(100))
    assert (flat.effect, flat.cost_per_unit) == (D(0), None)
    empty = initiative_effect({}, weeks, weeks[4], cost=D(100))
    assert (empty.before_mean, empty.after_mean, empty.effect, empty.cost_per_unit) == (None, None, None, None)
    no_cost = initiative_effect(dict(zip(weeks, map(D, range(8)), strict=True)), weeks, weeks[4])
    assert (no_cost.effect, no_cost.cost_per_unit) == (D(4), None)


# --- a realistic period ---------------------------------------------------------------------------------------


def test_a_fiscal_year_example_from_design():
    weeks = period_weeks(date(2026, 4, 1), date(2027, 3, 31))
    tree = make_tree(NodeData("revenue", target=D(120000000)), weeks=weeks)
    revenue = compute(tree, {"revenue": {weeks[0]: D(2500000)}}, date(2026, 4, 1)).nodes["revenue"]
    assert len(revenue.weeks) == 52
    assert revenue.weeks[0].week == date(2026, 3, 30)
    assert revenue.weeks[0].target == D("2307692.307692")
    assert sum(week.target for week in revenue.weeks) == D(120000000)


TEMPLATES = ["{0} + {1}", "{0} * {1}", "{0} / {1}", "{0} - {1}", "({0} + {1}) / 2", "{0} * {1} + {0}", "2 * {0}"]
maybe_values = st.lists(
    st.none() | st.decimals(min_value=1, max_value=1000, places=2, allow_nan=False, allow_infinity=False),
    min_size=6,
    max_size=6,
)


@settings(max_examples=80, deadline=None)
@given(
    formulas=st.lists(st.sampled_from(TEMPLATES), min_size=3, max_size=3),
    formula_aggregations=st.lists(st.sampled_from(["sum", "average", "last", "recompute"]), min_size=3, max_size=3),
    measured_aggregations=st.lists(st.sampled_from(["sum", "average", "last"]), min_size=5, max_size=5),
    values=st.lists(maybe_values, min_size=5, max_size=5),
    as_of=st.integers(min_value=0, max_value=5),
)
def test_sensitivity_equals_recomputing_with_the_node_1_percent_higher(
    formulas, formula_aggregations, measured_aggregations, values, as_of
):
    codes = ["a", "b", "c", "e", "drv"]
    tree = make_tree(
        NodeData("k", formula=formulas[0].format("x", "y"), aggregation=formula_aggregations[0], target=D(1)),
        NodeData("x", parent="k", formula=formulas[1].format("a", "b"), aggregation=formula_aggregations[1]),
        NodeData("a", parent="x", aggregation=measured_aggregations[0]),
        NodeData("b", parent="x", aggregation=measured_aggregations[1]),
        NodeData("y", parent="k", formula=formulas[2].format("c", "e"), aggregation=formula_aggregations[2]),
        NodeData("c", parent="y", aggregation=measured_aggregations[2]),
        NodeData("e", parent="y", aggregation=measured_aggregations[3]),
        NodeData("drv", parent="c", aggregation=measured_aggregations[4]),
    )
    entries = {code: series(*items) for code, items in zip(codes, values, strict=True)}
    progress = compute(tree, entries, WEEKS[as_of])
    base = progress.nodes["k"].forecast
    for code in codes:
        sensitivity = progress.nodes[code].sensitivity
        if base is None or base == 0:
            assert sensitivity is None
            continue
        higher = {**entries, code: {week: value * D("1.01") for week, value in entries[code].items()}}
        changed = compute(tree, higher, WEEKS[as_of]).nodes["k"].forecast
        if changed is None:
            assert sensitivity is None
            continue
        expected = exact(lambda changed=changed: (changed - base) / base * 100)
        assert close(sensitivity, expected, D("1e-15")), (code, sensitivity, expected)
