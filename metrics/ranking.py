"""KPIs ranked by improvement impact, in words: THE ranking of "what moves the KGI most".

`kpi_ranking(loaded, progress, department_id=None)` is the one function every page calls (the tree dashboard,
and the home page's tree cards: `kpi_ranking(...).ranked[:3]`, each row drawn by
metrics/templatetags/dashboard_tags.impact_rows). It takes metrics.engine.rank_kpis
(the order and the numbers, docs/numbers.md "The funnel") and adds what people read: each KPI's sentence
(「SQL化率を目標の40.0%にすると、売上の着地見込みは+1230万円」) and the reason of a KPI whose impact is 0 or
missing. Pure Python, no query.

Decisions where docs/numbers.md leaves a choice:
- The impact in a sentence is written as a headline figure of the KGI's unit with its sign (+1230万円 / +¥12.3M),
  the exact value in the tooltip; the target as the node's summaries show it (goals.formatting.summary_value).
- With a department, only that department's KPIs are listed (the order is the whole tree's).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals import formatting
from goals.models import Node
from metrics import engine
from metrics.progress import LoadedTree

WORD_JOINER = "\u2060"

REASONS = {
    engine.IMPACT_DRIVER: gettext_lazy("a driver: no formula or breakdown links it to the KGI"),
    engine.IMPACT_OTHER_NODES: gettext_lazy(
        "the formula above it uses nodes other than its own children, so its change is not carried further"
    ),
    engine.IMPACT_NO_TARGET: gettext_lazy("no target yet"),
    engine.IMPACT_NO_FORECAST: gettext_lazy("a landing forecast on its way to the KGI is missing"),
    engine.IMPACT_ZERO: gettext_lazy("a formula or breakdown on its way to the KGI gives zero"),
    None: gettext_lazy("its landing forecast is already its target"),
}


@dataclass
class RankedRow:
    node: Node
    item: engine.RankedKPI
    sentence: str  # the impact in words (RANKED rows); "" for the others
    reason: str  # why the impact is 0 or missing (STILL and MISSING rows); "" for RANKED rows
    share: Decimal  # |gain| relative to the largest, 0..1, for the bar
    kgi_unit: str = ""  # the unit the impact is in (dashboard_tags.impact_rows shows it)

    @property
    def progress(self):
        return self.item.progress

    @property
    def impact(self):
        return self.item.impact

    @property
    def sensitivity(self):
        return self.item.sensitivity

    @property
    def helps(self) -> bool:
        return self.item.gain is not None and self.item.gain > 0


@dataclass
class KPIRanking:
    kgi: Node | None
    ranked: list[RankedRow]  # impact not 0, the one that helps the KGI most first
    still: list[RankedRow]  # impact 0, with the reason
    missing: list[RankedRow]  # impact missing, with the reason


def kpi_ranking(loaded: LoadedTree, progress: engine.Progress, department_id: int | None = None) -> KPIRanking:
    """Every KPI of the tree (of the department, when given) by improvement impact, with sentences and reasons."""
    by_code = loaded.by_code
    kgi = by_code.get(progress.kgi) if progress.kgi else None
    items = [item for item in engine.rank_kpis(progress) if item.code in by_code]
    if department_id is not None:
        items = [item for item in items if by_code[item.code].department_id == department_id]
    largest = max((abs(item.gain) for item in items if item.gain is not None), default=Decimal(0))
    result = KPIRanking(kgi, [], [], [])
    unit = kgi.unit if kgi else ""
    for item in items:
        node = by_code[item.code]
        share = abs(item.gain) / largest if largest and item.gain is not None else Decimal(0)
        if item.group == engine.RANKED:
            row = RankedRow(node, item, impact_sentence(node, kgi, item.impact), "", share, unit)
            result.ranked.append(row)
        else:
            row = RankedRow(node, item, "", str(REASONS.get(item.reason, item.reason or "")), share, unit)
            (result.still if item.group == engine.STILL else result.missing).append(row)
    return result


def signed_headline(value: Decimal | None, unit: str) -> str:
    """A change as a headline figure with its sign: +1230万円, -¥12.3M, 0. "" when missing (None, NaN)."""
    if value is None or (isinstance(value, Decimal) and value.is_nan()):
        return ""
    text = formatting.headline(value, unit)
    return f"+{text}" if value > 0 and not formatting.is_too_large(value) else text


def impact_sentence(node: Node, kgi: Node | None, impact: Decimal | None) -> str:
    """「SQL化率を目標の40.0%にすると、売上の着地見込みは+1230万円」 in the active language."""
    kgi_name = kgi.name if kgi else ""
    kgi_unit = kgi.unit if kgi else ""
    target = node.target
    shown_target = (
        formatting.number(formatting.summary_value(target, node.unit), node.unit)
        if target is not None and not formatting.is_too_large(target)
        else formatting.number(target, node.unit)
    )
    return _("Bringing %(name)s to its target of %(target)s changes the landing forecast of %(kgi)s by %(impact)s") % {
        "name": node.name,
        "target": shown_target,
        "kgi": kgi_name,
        "impact": _unbroken(signed_headline(impact, kgi_unit)),
    }


def _unbroken(text: str) -> str:
    """The sign kept on the line of its number (a word joiner after it: `+` and `¥` would otherwise part)."""
    return text[0] + WORD_JOINER + text[1:] if text[:1] in ("+", "-") else text
