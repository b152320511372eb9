"""Numbers for the dashboard tests, on the conftest `tree` (FY2026, 52 Monday weeks from 2026-03-30).

Today is frozen at Wednesday 2026-04-22, so the last complete week (the default as-of week) is 4/13, the
third week of the period.

    week        deals  avg_deal_size  leads   revenue = deals * avg_deal_size
    2026-03-30  4      500,000        40      2,000,000
    2026-04-06  4      450,000        45      1,800,000
    2026-04-13  5      (missing)      50      (missing: an input has no entry)

Worked out by hand (docs/numbers.md "Targets over time" and "Progress"):
- revenue (sum, target 120,000,000): weekly target 120,000,000 / 52 = 2,307,692.307692 (6 places);
  to date 3 x 2,307,692.307692 = 6,923,076.923076; actual to date 2,000,000 + 1,800,000 = 3,800,000;
  achievement 3,800,000 / 6,923,076.923076 = 54.888...% -> off track.
- deals (sum, target 240): weekly 4.615385, to date 13.846155; actual 13; 93.888...% -> at risk.
- avg_deal_size (average, target 500,000): actual (500,000 + 450,000) / 2 = 475,000; 95.0% -> at risk.
- leads (sum, target 2,400): weekly 46.153846, to date 138.461538; actual 135; 97.5% -> at risk.
- forecast: deals project at 13 / 3 a week, avg_deal_size at 475,000, so revenue at 13 / 3 x 475,000 =
  2,058,333.33... a week for the 49 later weeks: 3,800,000 + 49 x 2,058,333.33... = 104,658,333.33...
  (87.2% of the target).
- sensitivity: 1% more deals (or avg_deal_size) in every week moves every revenue week 1%: +1.0% each;
  leads is a driver of deals (a measured node): 0.
"""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from metrics.models import Entry

TODAY = date(2026, 4, 22)
W1, W2, W3 = date(2026, 3, 30), date(2026, 4, 6), date(2026, 4, 13)

REVENUE_TO_DATE = Decimal(3800000)
REVENUE_TARGET_TO_DATE = Decimal("6923076.923076")
REVENUE_FORECAST = Decimal(3800000) + 49 * Decimal(13) / 3 * Decimal(475000)


@pytest.fixture
def today():
    with time_machine.travel(date(2026, 4, 22), tick=False):
        yield TODAY


@pytest.fixture
def entries(tree, today):
    nodes = {node.code: node for node in tree.nodes.all()}
    values = {
        "deals": {W1: 4, W2: 4, W3: 5},
        "avg_deal_size": {W1: 500000, W2: 450000},
        "leads": {W1: 40, W2: 45, W3: 50},
    }
    Entry.objects.bulk_create(
        Entry(node=nodes[code], week=week, value=Decimal(value))
        for code, weeks in values.items()
        for week, value in weeks.items()
    )
    return nodes


def node(tree, code):
    return tree.nodes.get(code=code)
