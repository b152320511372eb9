"""The shared checks of text and dates (goals.values, goals.periods): total over any input, as documented."""

from datetime import date

import pytest
from django.utils import translation
from hypothesis import example, given, settings
from hypothesis import strategies as st

from goals import periods
from goals.bounds import FIRST_DAY, LAST_DAY, last_day_of_period, years_after
from goals.values import first_unprintable, text_problem


@settings(max_examples=300, deadline=None)
@given(text=st.text(), lines=st.booleans())
def test_any_text_is_kept_or_refused_at_its_first_unprintable_character(text, lines):
    found = first_unprintable(text, lines)
    problem = text_problem(text, lines)
    assert bool(problem) == (found is not None)
    if found is not None:
        position, name = found
        assert text[position - 1] == chr(int(name[2:], 16))
        assert first_unprintable(text[: position - 1], lines) is None


@pytest.mark.parametrize(
    ("text", "lines", "found"),
    [
        ("売上", False, None),
        ("a\x00b", False, (2, "U+0000")),
        ("a\tb", False, (2, "U+0009")),
        ("a\tb\r\nc", True, None),
        ("a\x0bb", True, (2, "U+000B")),  # a vertical tab is no line break here
        ("\x7f", False, (1, "U+007F")),
        ("x\x9f", False, (2, "U+009F")),
        ("\ud800", False, (1, "U+D800")),  # a lone surrogate
        ("ab\u202e", False, (3, "U+202E")),
        ("\u2067x", True, (1, "U+2067")),
        ("👨\u200d👩\u200d👧", False, None),  # zero-width joiners make one emoji
        ("a\u200bb\u200e\u200f", False, None),  # a zero-width space and the direction marks stay
        ("\ufeffBOM", False, None),
    ],
)
def test_which_characters_are_refused(text, lines, found):
    assert first_unprintable(text, lines) == found


def test_the_message_names_the_character_and_where_in_both_languages():
    with translation.override("en"):
        assert text_problem("受注\x00件数").startswith("It holds U+0000 at position 3")
    with translation.override("ja"):
        assert text_problem("受注\x00件数").startswith("3文字目に表示できない文字（U+0000）があります。")


any_date = st.dates(min_value=date.min, max_value=date.max)


@settings(max_examples=300, deadline=None)
@given(start=any_date, end=any_date, week_start=st.integers(0, 6), day=any_date)
@example(start=date(9999, 12, 30), end=date.max, week_start=6, day=date.min)
@example(start=date.min, end=date.max, week_start=1, day=date(1, 1, 1))
def test_periods_and_weeks_never_fail_for_any_dates(start, end, week_start, day):
    bounded_start, bounded_end = periods.bounded_period(start, end)
    assert FIRST_DAY <= bounded_start <= LAST_DAY
    assert bounded_end <= min(LAST_DAY, last_day_of_period(bounded_start))
    weeks = periods.period_weeks(start, end, week_start)
    assert len(weeks) <= 262
    periods.clamp_week(day, weeks, week_start)
    periods.week_containing(day, week_start)
    field, problem = periods.period_problem(start, end)
    if FIRST_DAY <= start <= end <= min(LAST_DAY, last_day_of_period(start)):
        assert (field, problem) == ("", "")
    else:
        assert field in ("start", "end") and problem


@pytest.mark.parametrize(
    ("start", "last"),
    [
        (date(2026, 4, 1), date(2031, 3, 31)),
        (date(2028, 2, 29), date(2033, 2, 28)),  # 2033 has no 29 February: the period ends the day before 1 March
        (date(2100, 12, 31), date(2105, 12, 30)),
    ],
)
def test_the_last_day_of_a_five_year_period(start, last):
    assert last_day_of_period(start) == last


def test_years_after_moves_29_february_to_1_march_and_stays_in_the_calendar():
    assert years_after(date(2028, 2, 29), 1) == date(2029, 3, 1)
    assert years_after(date(2028, 2, 29), -4) == date(2024, 2, 29)
    assert years_after(date(9998, 6, 1), 5) == date.max
    assert years_after(date(2, 6, 1), -5) == date.min
    assert last_day_of_period(date.max) == date(9999, 12, 30)
