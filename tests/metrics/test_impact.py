"""Breakdowns, improvement impact, the breakdown mismatch warning and monthly forecasts (docs/numbers.md "The
funnel" and "Progress"), against hand-computed examples and properties."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from goals.periods import period_weeks
from metrics.engine import (
    BREAKDOWN_ERROR,
    BREAKDOWN_MISMATCH,
    IMPACT_DRIVER,
    IMPACT_NO_FORECAST,
    IMPACT_NO_TARGET,
    IMPACT_ZERO,
    MISSING,
    RANKED,
    STILL,
    NodeData,
    TreeData,
    compute,
    rank_kpis,
)
from metrics.engine.core import due_weeks
from metrics.warnings import warning_message

D = Decimal
WEEKS = tuple(date(2026, 4, 6) + timedelta(weeks=i) for i in range(6))
AS_OF = WEEKS[1]  # two weeks entered, four projected
TOLERANCE = D("1e-20")


def tree_of(*nodes, weeks=WEEKS):
    return TreeData(code="t", weeks=tuple(weeks), warning_threshold=D(90), nodes=tuple(nodes))


def two_weeks(value):
    return {WEEKS[0]: D(value), WEEKS[1]: D(value)}


def close(value, expected, tolerance=TOLERANCE):
    return value is not None and abs(value - expected) <= tolerance * max(1, abs(expected))


# The funnel of docs/numbers.md, with the rate entered (a formula over the parent comes with formulas over any
# node): revenue = deals * avg_deal_size; deals breaks down into opportunities * win_rate / 100.
FUNNEL = (
    NodeData(
        "revenue", "売上", formula="deals * avg_deal_size", aggregation="recompute", target=D(3000000), unit="円"
    ),
    NodeData("deals", "受注件数", "revenue", breakdown="opps * win_rate / 100", target=D(30), unit="件"),
    NodeData("opps", "商談数", "deals", target=D(100), unit="件"),
    NodeData("win_rate", "受注率", "deals", aggregation="average", target=D(25), unit="%"),
    NodeData("ads", "広告費", "opps", target=D(50), unit="円"),  # a driver of opps (no breakdown there)
    NodeData("avg_deal_size", "平均受注単価", "revenue", aggregation="average", target=D(100000), unit="円"),
)
FUNNEL_ENTRIES = {
    "deals": two_weeks(4),  # L = 6 x 4 = 24; to date 8 = 40 x 20 / 100: no mismatch
    "opps": two_weeks(20),  # L = 120
    "win_rate": two_weeks(20),  # L = 20
    "ads": two_weeks(10),  # L = 60
    "avg_deal_size": two_weeks(100000),  # L = 100,000
}


def funnel(entries=None, nodes=FUNNEL):
    return compute(tree_of(*nodes), entries or FUNNEL_ENTRIES, AS_OF)


def test_impact_through_a_breakdown_and_a_formula_by_hand():
    progress = funnel()
    nodes = progress.nodes
    assert nodes["revenue"].forecast == 2400000  # 24 x 100,000
    # win_rate on 25 instead of 20: deals' = 24 x (120 x 25 / 100) / (120 x 20 / 100) = 30;
    # revenue' = 2,400,000 x (30 x 100,000) / (24 x 100,000) = 3,000,000: +600,000.
    assert close(nodes["win_rate"].impact, D(600000))
    # deals on 30 instead of 24: revenue' = 3,000,000.
    assert close(nodes["deals"].impact, D(600000))
    # opps on 100 instead of 120 (ahead of its target): deals' = 20, revenue' = 2,000,000: -400,000.
    assert close(nodes["opps"].impact, D(-400000))
    # avg_deal_size is on its target: exactly 0, no reason.
    assert nodes["avg_deal_size"].impact == 0 and nodes["avg_deal_size"].impact_reason is None
    assert nodes["revenue"].impact is None and nodes["revenue"].impact_reason is None  # the KGI


def test_a_driver_stops_the_carry_with_the_reason():
    ads = funnel().nodes["ads"]
    assert ads.impact == 0
    assert ads.impact_reason == IMPACT_DRIVER


def test_sensitivity_goes_through_breakdowns():
    nodes = funnel().nodes
    # 1% more opportunities (or win rate) moves deals 1% through its breakdown, and revenue 1%.
    for code in ("opps", "win_rate", "deals", "avg_deal_size"):
        assert close(nodes[code].sensitivity, D(1)), code
    assert nodes["ads"].sensitivity == 0  # a driver


def test_a_child_the_breakdown_does_not_use_is_a_driver():
    nodes = list(FUNNEL) + [NodeData("visits", "訪問数", "deals", target=D(10))]
    progress = funnel({**FUNNEL_ENTRIES, "visits": two_weeks(3)}, nodes)
    assert progress.nodes["visits"].impact == 0 and progress.nodes["visits"].impact_reason == IMPACT_DRIVER
    assert progress.nodes["visits"].sensitivity == 0


def test_missing_impacts_say_why():
    nodes = [node if node.code != "opps" else NodeData("opps", "商談数", "deals") for node in FUNNEL]
    entries = {**FUNNEL_ENTRIES, "win_rate": two_weeks(0)}  # the breakdown gives 0 over the forecasts
    progress = funnel(entries, nodes)
    assert progress.nodes["opps"].impact is None and progress.nodes["opps"].impact_reason == IMPACT_NO_TARGET
    assert progress.nodes["win_rate"].impact is None and progress.nodes["win_rate"].impact_reason == IMPACT_ZERO
    entries = {code: values for code, values in FUNNEL_ENTRIES.items() if code != "win_rate"}
    progress = funnel(entries)
    assert progress.nodes["win_rate"].impact_reason == IMPACT_NO_FORECAST
    assert progress.nodes["opps"].impact_reason == IMPACT_NO_FORECAST  # win_rate's forecast is on the way


def test_rate_from_counts_impact_in_a_chain_of_breakdowns():
    """sqls -> opportunities -> deals, each count breaking down into the one below times a rate (entered)."""
    nodes = (
        NodeData("deals", "受注件数", breakdown="opps * win_rate / 100", target=D(12)),
        NodeData("opps", "商談数", "deals", breakdown="sqls * opp_rate / 100", target=D(40)),
        NodeData("sqls", "SQL数", "opps", target=D(100)),
        NodeData("opp_rate", "商談化率", "opps", aggregation="average", target=D(40)),
        NodeData("win_rate", "受注率", "deals", aggregation="average", target=D(30)),
    )
    entries = {
        "deals": two_weeks(D("1.5")),  # 9 for the period
        "opps": two_weeks(6),  # 36
        "sqls": two_weeks(20),  # 120
        "opp_rate": two_weeks(30),
        "win_rate": two_weeks(25),
    }
    progress = compute(tree_of(*nodes), entries, AS_OF)
    result = progress.nodes
    assert result["deals"].forecast == 9
    # opp_rate on 40 instead of 30: opps' = 36 x 40 / 30 = 48; deals' = 9 x 48 / 36 = 12: +3 deals.
    assert close(result["opp_rate"].impact, D(3))
    # sqls on 100 instead of 120: opps' = 30, deals' = 7.5: -1.5.
    assert close(result["sqls"].impact, D("-1.5"))
    # win_rate on 30 instead of 25: deals' = 9 x 30 / 25 = 10.8: +1.8.
    assert close(result["win_rate"].impact, D("1.8"))
    # opps on 40 instead of 36: deals' = 9 x 40 / 36 = 10: +1.
    assert close(result["opps"].impact, D(1))
    ranked = rank_kpis(progress)  # by gain: 3, 1.8, 1, -1.5
    assert [item.code for item in ranked] == ["opp_rate", "win_rate", "opps", "sqls"]
    assert [item.group for item in ranked] == [RANKED] * 4


def test_ranking_helps_a_kgi_where_lower_is_better():
    nodes = (
        NodeData("cpa", "CPA", formula="cost / leads", aggregation="recompute", direction="lower", target=D(100)),
        NodeData("cost", "広告費", "cpa", direction="lower", target=D(5000)),
        NodeData("leads", "リード数", "cpa", target=D(60)),
        NodeData("driver", "訪問", "cost", target=D(1)),
    )
    entries = {"cost": two_weeks(1000), "leads": two_weeks(10), "driver": two_weeks(1)}
    progress = compute(tree_of(*nodes), entries, AS_OF)
    # cpa = 6,000 / 60 = 100. cost on 5,000: cpa 83.3 (-16.7); leads on 60: cpa stays: 0.
    ranked = rank_kpis(progress)
    assert [(item.code, item.group) for item in ranked] == [("cost", RANKED), ("leads", STILL), ("driver", STILL)]
    assert ranked[0].gain > 0 > ranked[0].impact


def test_ranking_puts_missing_impacts_last():
    nodes = [node if node.code != "opps" else NodeData("opps", "商談数", "deals") for node in FUNNEL]
    ranked = rank_kpis(funnel(None, nodes))
    assert ranked[-1].code == "opps" and ranked[-1].group == MISSING


def test_breakdown_mismatch_warning_names_both_numbers():
    entries = {**FUNNEL_ENTRIES, "deals": {WEEKS[0]: D(4), WEEKS[1]: D(5)}}  # 9 entered; 40 x 20 / 100 = 8
    progress = funnel(entries)
    warnings = [warning for warning in progress.warnings if warning.kind == BREAKDOWN_MISMATCH]
    assert len(warnings) == 1
    assert warnings[0].node == "deals" and warnings[0].actual == 9 and warnings[0].expected == 8
    with translation.override("en"):
        text = warning_message(warnings[0], tree_of(*FUNNEL))
    assert "9 件" in text and "8 件" in text and "“受注件数”" in text and "“商談数”" in text
    with translation.override("ja"):
        assert "9件" in warning_message(warnings[0], tree_of(*FUNNEL))
    # within 1%: no warning
    entries = {**FUNNEL_ENTRIES, "deals": {WEEKS[0]: D(4), WEEKS[1]: D("4.05")}}
    assert not [warning for warning in funnel(entries).warnings if warning.kind == BREAKDOWN_MISMATCH]


def test_a_breakdown_that_cannot_be_used_is_warned_about_and_carries_nothing():
    nodes = [
        node
        if node.code != "deals"
        else NodeData("deals", "受注件数", "revenue", breakdown="opps * nothing", target=D(30))
        for node in FUNNEL
    ]
    progress = funnel(None, nodes)
    assert [warning.kind for warning in progress.warnings if warning.node == "deals"] == [BREAKDOWN_ERROR]
    assert progress.nodes["opps"].impact_reason == IMPACT_DRIVER


def test_monthly_node_projects_only_its_due_weeks():
    start, end = date(2026, 4, 1), date(2027, 3, 31)
    weeks = tuple(period_weeks(start, end, 0))
    due = due_weeks(weeks)
    assert sum(due) == 12
    assert due[weeks.index(date(2026, 6, 29))]  # its Thursday is 2 July: the first week of July
    due_weeks_so_far = [week for week, is_due in zip(weeks, due, strict=True) if is_due][:3]  # April, May, June
    entries = {"fee": {week: D(20000) for week in due_weeks_so_far}}
    as_of = date(2026, 6, 22)  # end of June
    monthly = NodeData("fee", "月額費用", frequency="monthly", target=D(240000))
    progress = compute(tree_of(monthly, weeks=weeks), entries, as_of)
    assert progress.nodes["fee"].forecast == 240000  # 12 months x 20,000
    weekly = NodeData("fee", "月額費用", target=D(240000))
    assert compute(tree_of(weekly, weeks=weeks), entries, as_of).nodes["fee"].forecast > 500000


def test_monthly_node_below_a_formula():
    start, end = date(2026, 4, 1), date(2027, 3, 31)
    weeks = tuple(period_weeks(start, end, 0))
    due = [week for week, is_due in zip(weeks, due_weeks(weeks), strict=True) if is_due]
    nodes = (
        NodeData("total", formula="fee + 0", target=D(240000)),
        NodeData("fee", parent="total", frequency="monthly", target=D(240000)),
    )
    progress = compute(tree_of(*nodes, weeks=weeks), {"fee": {week: D(20000) for week in due[:3]}}, date(2026, 6, 22))
    assert progress.nodes["total"].forecast == 240000
    assert close(progress.nodes["fee"].sensitivity, D(1))
    assert progress.nodes["fee"].impact == 0


# --- properties -------------------------------------------------------------------------------------------

POSITIVE = st.decimals(min_value=D("0.5"), max_value=D(1000), places=2)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(POSITIVE, min_size=10, max_size=10))
def test_a_node_already_at_its_target_has_impact_0(values):
    entries = {
        code: {WEEKS[0]: values[2 * i], WEEKS[1]: values[2 * i + 1]}
        for i, code in enumerate(["deals", "opps", "win_rate", "ads", "avg_deal_size"])
    }
    forecasts = {code: result.forecast for code, result in funnel(entries).nodes.items()}
    at_target = tuple(
        NodeData(**{**node.__dict__, "target": forecasts[node.code]}) if node.parent else node for node in FUNNEL
    )
    progress = funnel(entries, at_target)
    for code in ("deals", "opps", "win_rate", "ads", "avg_deal_size"):
        assert progress.nodes[code].impact == 0, code


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(POSITIVE, min_size=8, max_size=8),
    targets=st.lists(POSITIVE, min_size=4, max_size=4),
    which=st.sampled_from(["a", "b", "c", "d"]),
)
def test_in_a_pure_product_chain_impact_is_the_kgi_landing_times_target_over_forecast_minus_1(values, targets, which):
    nodes = (
        NodeData("k", formula="a * b", aggregation="recompute", target=D(1)),
        NodeData("a", parent="k", breakdown="c * d", aggregation="average", target=targets[0]),
        NodeData("c", parent="a", aggregation="average", target=targets[2]),
        NodeData("d", parent="a", aggregation="average", target=targets[3]),
        NodeData("b", parent="k", aggregation="average", target=targets[1]),
    )
    entries = {
        code: {WEEKS[0]: values[2 * i], WEEKS[1]: values[2 * i + 1]} for i, code in enumerate(["a", "b", "c", "d"])
    }
    progress = compute(tree_of(*nodes), entries, AS_OF)
    node = progress.nodes[which]
    assume(node.forecast != 0)
    expected = progress.nodes["k"].forecast * (node.node.target / node.forecast - 1)
    assert close(node.impact, expected, D("1e-25"))
