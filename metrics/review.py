"""The weekly review (定例) of a tree: what the meeting goes through for one week, in one page.

- KPIs off track or at risk at the week, the largest impact on the KGI first, each with its trend (the weekly
  actuals of the last weeks, and the change from the week before). The impact is the engine's improvement
  impact (`NodeProgress.impact`) where the engine gives one; otherwise its sensitivity (the % change of the
  KGI's landing forecast per 1% of the KPI), which is what the dashboard ranks by.
- The measured KPIs still missing their number for the week.
- Questions still open on the tree's KPIs, and the comments and questions posted since the week began.
- Initiatives that started or ended during the week.
- Action items: recorded at a review, shown at that week's review and every later one until done; one marked
  done at a review still shows (done) at that review.

Decisions where nothing says otherwise: "since the week began" runs from the week's first day to the end of the
week after it (when the meeting is usually held); the trend shows TREND_WEEKS weeks.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Prefetch, Q

from goals.models import ActionItem, Comment, Initiative, Mention
from metrics import engine, reports
from metrics.progress import tree_progress

TREND_WEEKS = 6
ATTENTION = (engine.OFF_TRACK, engine.AT_RISK)


@dataclass
class Concern:
    """A KPI that needs the meeting's attention."""

    node: object
    result: engine.NodeProgress
    trend: list  # [(week, actual or None)], oldest first
    change: Decimal | None  # this week's actual against the week before, in percent
    impact: Decimal | None
    sparkline: object = None


@dataclass
class Review:
    tree: object
    week: date
    progress: engine.Progress
    loaded: object
    kgi: object = None  # reports.Row of the KGI
    concerns: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    open_questions: list = field(default_factory=list)
    new_comments: list = field(default_factory=list)
    started: list = field(default_factory=list)
    ended: list = field(default_factory=list)
    action_items: list = field(default_factory=list)
    impact_is_engine: bool = False  # the engine gave NodeProgress.impact (else: sensitivity)

    @property
    def previous_week(self):
        weeks = list(self.progress.weeks)
        k = weeks.index(self.week) if self.week in weeks else -1
        return weeks[k - 1] if k > 0 else None

    @property
    def next_week(self):
        weeks = list(self.progress.weeks)
        k = weeks.index(self.week) if self.week in weeks else len(weeks)
        return weeks[k + 1] if k + 1 < len(weeks) else None


def impact_of(result):
    """The engine's improvement impact where it has one, else its sensitivity; and which one it was."""
    impact = getattr(result, "impact", None)
    if impact is not None:
        return impact, True
    return result.sensitivity, False


def _trend(result, d):
    start = max(0, d - TREND_WEEKS + 1)
    return [(week.week, week.actual) for week in result.weeks[start : d + 1]]


def _change(result, d):
    if d < 1:
        return None
    now, before = result.weeks[d].actual, result.weeks[d - 1].actual
    if now is None or before is None or before == 0:
        return None
    return (now - before) / abs(before) * 100


def concerns(loaded, progress):
    """The KPIs off track or at risk, the largest impact first (those without one last, in tree order)."""
    d = reports.as_of_index(progress)
    found = []
    engine_impact = False
    for node in loaded.nodes:
        result = progress.nodes[node.code]
        if node.parent_id is None or result.status not in ATTENTION:
            continue
        impact, from_engine = impact_of(result)
        engine_impact = engine_impact or from_engine
        found.append(
            Concern(node, result, _trend(result, d), _change(result, d), impact, reports.sparkline(result, d))
        )
    found.sort(key=lambda item: (item.impact is None, -abs(item.impact or 0), item.result.status != engine.OFF_TRACK))
    return found, engine_impact


def _comments(tree):
    return (
        Comment.objects.filter(node__tree=tree, deleted_at__isnull=True)
        .select_related("node", "author", "to_department")
        .prefetch_related(Prefetch("mentions", queryset=Mention.objects.select_related("user", "department")))
    )


def action_items(tree, week):
    """The action items shown at the review of `week`: recorded at it or before, and not done before it; open ones
    first, by due date (those without one last)."""
    return list(
        ActionItem.objects.filter(tree=tree, week__lte=week)
        .filter(Q(done_week__isnull=True) | Q(done_week__gte=week))
        .select_related("owner", "created_by")
        .order_by(F("done_at").asc(nulls_first=True), F("due_date").asc(nulls_last=True), "week", "id")
    )


def build(tree, week):
    """The review of `tree` at `week` (one of its weeks)."""
    computed = tree_progress(tree, week, notes_for=set())
    loaded, progress = computed.loaded, computed.progress
    review = Review(tree, progress.as_of_week, progress, loaded)
    if progress.kgi is not None:
        review.kgi = reports.Row(loaded.by_code[progress.kgi], progress.nodes[progress.kgi], 0)
    review.concerns, review.impact_is_engine = concerns(loaded, progress)
    review.missing = reports.missing_numbers(loaded, progress)
    start = review.week
    end = start + timedelta(days=7)
    review.open_questions = list(_comments(tree).open_questions().order_by("created_at", "id"))
    review.new_comments = list(
        _comments(tree)
        .filter(created_at__date__gte=start, created_at__date__lt=end + timedelta(days=7))
        .exclude(pk__in=[question.pk for question in review.open_questions])
        .order_by("created_at", "id")
    )
    initiatives = Initiative.objects.filter(tree=tree).prefetch_related("nodes").select_related("owner")
    review.started = list(initiatives.filter(start_date__gte=start, start_date__lt=end).order_by("start_date", "id"))
    review.ended = list(initiatives.filter(end_date__gte=start, end_date__lt=end).order_by("end_date", "id"))
    review.action_items = action_items(tree, review.week)
    return review
