"""KPIs ranked by improvement impact (docs/numbers.md "The funnel"): the answer to "what moves the KGI most".

Pure: from a Progress alone. metrics.ranking.kpi_ranking puts it into words for the pages (the dashboard and
the home page use that one function).

Decisions:
- Every KPI (measured and formula nodes under the KGI) is ranked, by its impact in the direction that helps
  the KGI: the impact itself when higher is better for the KGI, minus it when lower is. The largest gain comes
  first; KPIs whose target would move the KGI the wrong way (they are ahead of their target) come after the
  ones that help, smallest loss first. Ties keep tree order.
- KPIs whose impact is 0 are listed apart with the reason (a driver link, a formula over other nodes, or already
  on target), as are KPIs whose impact is missing (no target, no forecast, a formula giving zero).
"""

from dataclasses import dataclass
from decimal import Decimal

from metrics.engine.types import LOWER, NodeProgress, Progress

RANKED, STILL, MISSING = "ranked", "still", "missing"  # RankedKPI.group


@dataclass(frozen=True)
class RankedKPI:
    code: str
    progress: NodeProgress
    impact: Decimal | None  # in the KGI's unit (NodeProgress.impact)
    gain: Decimal | None  # the impact in the direction that helps the KGI (impact, or -impact for `lower`)
    sensitivity: Decimal | None  # elasticity, the secondary column (None on formula nodes)
    reason: str | None  # NodeProgress.impact_reason
    group: str  # RANKED (impact not 0), STILL (impact 0), MISSING (impact missing)


def rank_kpis(progress: Progress) -> list[RankedKPI]:
    """Every KPI of the tree: RANKED ones by gain, largest first, then STILL ones, then MISSING ones (tree order)."""
    if progress.kgi is None:
        return []
    kgi = progress.nodes[progress.kgi]
    sign = Decimal(-1) if kgi.node.direction == LOWER else Decimal(1)
    ranked, still, missing = [], [], []
    for code, result in progress.nodes.items():
        if code == progress.kgi:
            continue
        impact = result.impact
        gain = None if impact is None else impact * sign
        group = MISSING if impact is None else STILL if impact == 0 else RANKED
        item = RankedKPI(code, result, impact, gain, result.sensitivity, result.impact_reason, group)
        (ranked if group == RANKED else still if group == STILL else missing).append(item)
    ranked.sort(key=lambda item: -item.gain)
    return ranked + still + missing
