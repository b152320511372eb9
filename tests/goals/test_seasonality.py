from datetime import date
from decimal import Decimal

from goals.periods import period_weeks
from goals.seasonality import business_day_weights, even_weights
from goals.targets import weekly_targets

START, END = date(2026, 4, 1), date(2027, 3, 31)
WEEKS = period_weeks(START, END)


def weights_by_week(weeks=WEEKS, week_start=0):
    return dict(zip(weeks, business_day_weights(weeks, week_start, START, END), strict=True))


def test_a_week_without_holidays_has_5_business_days():
    assert weights_by_week()[date(2026, 6, 29)] == 5


def test_golden_week_has_fewer_business_days():
    weights = weights_by_week()
    assert weights[date(2026, 4, 27)] == 4  # 4/29 昭和の日
    assert weights[date(2026, 5, 4)] == 2  # 5/4-5/6 みどりの日, こどもの日, 振替休日


def test_the_new_year_week_has_fewer_business_days():
    assert weights_by_week()[date(2026, 12, 28)] == 4  # 2027-01-01 元日 is a Friday


def test_days_outside_the_period_do_not_count():
    weights = weights_by_week()
    assert WEEKS[0] == date(2026, 3, 30)
    assert weights[WEEKS[0]] == 3  # 4/1-4/3 only
    assert weights[WEEKS[-1]] == 4  # 2027-03-22 振替休日 (春分の日 falls on Sunday 3/21)


def test_weeks_starting_on_sunday():
    weeks = period_weeks(START, END, 6)
    weights = weights_by_week(weeks, 6)
    assert weights[date(2026, 5, 3)] == 2  # Sun 5/3 to Sat 5/9: 5/4, 5/5, 5/6 are holidays
    assert len(weights) == len(weeks)


def test_business_day_weights_spread_a_target_exactly():
    weights = business_day_weights(WEEKS, 0, START, END)
    assert all(isinstance(weight, Decimal) for weight in weights)
    targets = weekly_targets(Decimal(120000000), "sum", WEEKS, weights)
    assert sum(targets) == Decimal(120000000)
    assert targets[WEEKS.index(date(2026, 5, 4))] < targets[WEEKS.index(date(2026, 6, 29))]


def test_even_weights():
    assert even_weights(3) == [Decimal(1)] * 3
    assert even_weights(0) == []
