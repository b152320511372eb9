"""Entry quality: a weekly value far outside its KPI's recent range is saved, but flagged as a possible typo.

The rule (docs/numbers.md "Entry quality"): a value is *unusual* when its size is 10 times or more, or a tenth or
less, of the median of the node's last 8 entries present before that week (in the same tree), provided at
least 4 such entries exist and their median is not zero. The grid flags the cell; the dashboard lists the
unusual entries of the last few weeks ("1,234円 for 平均単価 — usually about 100万円: typo?").

Decisions where docs/numbers.md leaves a choice:
- Sizes are compared (absolute values), so a value is not flagged merely for having the other sign.
- Fewer than 4 earlier entries, or a median of 0: nothing to compare with, never flagged.
- Exactly 10 times (or a tenth) is flagged: one zero too many, or too few, gives just that.
- Only entries of the tree's own period count as history: a new period starts without flags for 4 weeks.
- The dashboard lists the unusual entries of the as-of week and the 3 weeks before it.
"""

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import median

from django.utils.translation import gettext as _

from goals import formatting
from metrics.models import Entry
from metrics.progress import unpack

HISTORY = 8  # entries before the week that make its recent range
MIN_HISTORY = 4  # fewer than this: not flagged
FACTOR = Decimal(10)
DASHBOARD_WEEKS = 4  # the as-of week and the 3 before it


def usual_value(history: list[Decimal]) -> Decimal | None:
    """The median of the last HISTORY values of `history` (oldest first); None under MIN_HISTORY values or 0."""
    recent = history[-HISTORY:]
    if len(recent) < MIN_HISTORY:
        return None
    middle = median(recent)
    return None if middle == 0 else Decimal(middle)


def is_unusual(value: Decimal, usual: Decimal | None) -> bool:
    """Whether `value` is 10 times or more, or a tenth or less, of `usual` in size."""
    if usual is None or value is None:
        return False
    size, usual_size = abs(Decimal(value)), abs(usual)
    return size >= usual_size * FACTOR or size * FACTOR <= usual_size


def check(value: Decimal | None, history: list[Decimal]) -> Decimal | None:
    """The usual value when `value` is unusual against `history` (earlier entries, oldest first), else None."""
    if value is None:
        return None
    usual = usual_value(history)
    return usual if is_unusual(value, usual) else None


@dataclass
class Flag:
    node: object  # goals.models.Node
    week: date
    value: Decimal
    usual: Decimal

    @property
    def message(self) -> str:
        """「1,234円 for 平均単価 — usually about 100万円: typo?」 in the person's language."""
        return message(self.node, self.value, self.usual)

    @property
    def short(self) -> str:
        """What a grid cell says: "usually about 100万円: typo?"."""
        return _("Usually about %(usual)s: typo?") % {"usual": formatting.headline(self.usual, self.node.unit)}


def message(node, value, usual) -> str:
    return _("%(value)s for %(name)s — usually about %(usual)s: typo?") % {
        "value": formatting.number(value, node.unit),
        "name": node.name,
        "usual": formatting.headline(usual, node.unit),
    }


def series_flags(values: dict[date, Decimal], weeks: list[date]) -> dict[date, Decimal]:
    """{week: usual value} of the `weeks` whose entry in `values` ({week: value}) is unusual."""
    present = sorted(values)
    flags = {}
    for week in weeks:
        value = values.get(week)
        if value is None:
            continue
        position = bisect_left(present, week)
        usual = check(value, [values[day] for day in present[max(0, position - HISTORY) : position]])
        if usual is not None:
            flags[week] = usual
    return flags


def week_names(loaded) -> dict[str, date]:
    """{ISO date: week} of a LoadedTree's weeks, for node_values (work it out once per tree)."""
    return {week.isoformat(): week for week in loaded.data.weeks}


def node_values(loaded, code: str, names: dict[str, date] | None = None) -> dict[date, Decimal]:
    """A measured node's entries {week: value} from a metrics.progress.LoadedTree, read or kept."""
    if loaded.entries is not None:
        return loaded.entries.get(code, {})
    packed = loaded.packed.get(code, "")
    if not packed:
        return {}
    return unpack(packed, names if names is not None else week_names(loaded))


def recent_values(loaded, code: str, since: date, names: dict[str, date]) -> dict[date, Decimal]:
    """The node's entries from `since` on, and the HISTORY entries before it: all that flags from `since` need.

    From kept progress only these are made Decimals (the packed text's items start with their ISO week, which
    sorts as the dates do), so that a grid of 200 rows does not convert every entry of the period.
    """
    if loaded.entries is not None:
        return loaded.entries.get(code, {})
    packed = loaded.packed.get(code, "")
    if not packed:
        return {}
    items = sorted(packed.split(","))
    start = bisect_left(items, since.isoformat())
    return unpack(",".join(items[max(0, start - HISTORY) :]), names)


def dashboard_flags(loaded, as_of_week: date, department_id=None) -> list[Flag]:
    """The unusual entries of the as-of week and the DASHBOARD_WEEKS - 1 weeks before it, newest first."""
    weeks = list(loaded.data.weeks)
    if as_of_week not in weeks:
        return []
    end = weeks.index(as_of_week) + 1
    recent = weeks[max(0, end - DASHBOARD_WEEKS) : end]
    names = week_names(loaded)
    flags = []
    for node in loaded.nodes:
        if node.is_formula or (department_id and node.department_id != department_id):
            continue
        values = recent_values(loaded, node.code, recent[0], names)
        if not values:
            continue
        for week, usual in series_flags(values, recent).items():
            flags.append(Flag(node, week, values[week], usual))
    flags.sort(key=lambda flag: flag.week, reverse=True)
    return flags


def check_saved(node, week: date, value: Decimal | None) -> Decimal | None:
    """The usual value when the value just saved for `node` and `week` is unusual (one query), else None."""
    if value is None:
        return None
    weeks = node.tree.weeks
    if not weeks:
        return None
    history = list(
        Entry.objects.filter(node=node, week__lt=week, week__gte=weeks[0])
        .order_by("-week")
        .values_list("value", flat=True)[:HISTORY]
    )
    return check(value, history[::-1])
