"""Dashboards: a tree's progress at a glance, a node's progress and chart data, a department's KPIs.

Every page runs a fixed number of queries whatever the tree's size: the tree's nodes are read in one query and,
when its progress is not in the cache, its entries in one more (`metrics.progress.trees_progress`); everything
else comes from the progress engine.
"""

import json
import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from goals import formatting
from goals.access import access_for, get_department_for_user, get_node_for_user, get_tree_for_user
from goals.discussion import summary
from goals.initiatives import letter
from goals.models import Tree
from goals.periods import week_containing
from metrics import engine, entry_quality, last_period, progress, reports
from metrics.progress import default_as_of
from metrics.progress_files import progress_to_csv, progress_to_json
from metrics.ranking import kpi_ranking
from metrics.warnings import warning_messages

logger = logging.getLogger(__name__)

CSV_BOM = "\ufeff"  # Excel opens UTF-8 files as UTF-8 only with it


def chart_scripts_context():
    """What templates need to load Chart.js (settings: CHARTJS_URL, CHARTJS_SRI)."""
    return {"CHARTJS_URL": settings.CHARTJS_URL, "CHARTJS_SRI": settings.CHARTJS_SRI}


def _today():
    return timezone.localdate()


def _as_of_from(request, tree):
    """(as-of date, problem): ?as_of=YYYY-MM-DD or the last complete week; a problem message when unreadable."""
    text = request.GET.get("as_of", "")
    day, ok = reports.parse_as_of(text)
    if not ok:
        problem = _("“%(value)s” in the address is not a date, so the last complete week is shown.") % {"value": text}
        return default_as_of(tree), problem
    return day or default_as_of(tree), ""


def _url(path, **params):
    params = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{path}?{urlencode(params)}" if params else path


# --- tree dashboard ---------------------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request, pk):
    """The KGI's numbers, the tree coloured by status, what moves the KGI most, warnings and missing numbers."""
    tree = get_tree_for_user(request, pk, annotations=summary.tree_annotations())
    # The discussion's figures change without the numbers changing: kept out of the numbers' cache key.
    discussion = _discussion(request, tree)
    as_of, problem = _as_of_from(request, tree)
    computed = progress.tree_progress(tree, as_of, notes_for=set())
    loaded, result = computed.loaded, computed.progress
    departments = _departments_of(loaded, tree)
    department = _selected_department(request, departments)
    department_id = department.pk if department else None
    context = {
        "tree": tree,
        "progress": result,
        "problem": problem,
        "departments": departments,
        "department": department,
        **_week_choices(request, tree, result, department_id),
        **chart_scripts_context(),
    }
    query = {"as_of": result.as_of_week.isoformat()}
    context["node_query"] = "" if "as_of" not in request.GET or problem else "?" + urlencode(query)
    context["self_url"] = _url(request.path, as_of=request.GET.get("as_of"), department=department_id)
    context["json_url"] = _url(reverse("metrics:progress-json", args=[tree.pk]), **query)
    context["csv_url"] = _url(reverse("metrics:progress-csv", args=[tree.pk]), **query)
    context["grid_url"] = _url(reverse("metrics:grid"), tree=tree.pk, week=result.as_of_week.isoformat(), show="all")
    context["import_url"] = reverse("metrics:import-entries", args=[tree.pk])
    context["numbers_key"] = _numbers_key(tree, result.as_of_week, department_id, context["node_query"])
    context["numbers_timeout"] = progress.TIMEOUT
    # The numbers as rendered before, when they are kept; else what the template renders (and keeps) them from.
    context["kept_numbers"] = _kept_numbers(context["numbers_key"])
    if context["kept_numbers"] is None:
        context.update(_tree_numbers(loaded, result, department_id))
        context.update(_context_numbers(tree, loaded, result, department_id))
        kgi = context["kgi"]
        if kgi is not None:
            context["kgi_chart_url"] = _url(reverse("metrics:node-chart-data", args=[kgi.node.pk]), **query)
            context["kgi_table"] = reports.table_rows(kgi.progress, reports.as_of_index(result), {})
            context["kgi_has_stretch"] = kgi.node.stretch is not None
            context["kgi_summary"] = chart_summary(kgi.node, kgi.progress, result.as_of_week, "cumulative")
    by_id = {node.pk: node for node in loaded.nodes}
    discussion["open_questions"] = [
        (by_id[node_id], count) for node_id, count in discussion.pop("open_counts").items() if node_id in by_id
    ]
    discussion["open_question_total"] = sum(count for _node, count in discussion["open_questions"])
    context.update(discussion)
    template = "metrics/dashboard.html#numbers" if request.htmx else "metrics/dashboard.html"
    return render(request, template, context)


def _discussion(request, tree):
    """The open questions on the tree's KPIs and what the page polls for new comments, read with the tree
    (goals.discussion.summary): they change without the numbers changing, so they stay outside the numbers'
    kept part."""
    open_counts = summary.open_questions_by_node(tree)
    # Back to this dashboard, at the week it shows; nothing else of the address comes along.
    back = _url(request.path, as_of=request.GET.get("as_of"), department=request.GET.get("department"))
    poll = urlencode({"since": tree.latest_comment_id or 0, "next": back})
    return {
        "open_counts": open_counts,
        "review_url": reverse("metrics:review", args=[tree.pk]),
        "activity_url": reverse("metrics:activity", args=[tree.pk]),
        "new_comments_url": reverse("goals:tree-new-comments", args=[tree.pk]) + "?" + poll,
    }


def _kept_numbers(key):
    """The dashboard's numbers as its {% cache %} tag kept them under `key`; None when they are not kept."""
    try:
        kept = cache.get(make_template_fragment_key("dashboard-numbers", [key]))
    except Exception:  # the cache is an optimisation: without it, the numbers are rendered as before
        logger.warning("dashboard numbers: reading the cache failed", exc_info=True)
        return None
    return None if kept is None else mark_safe(kept)  # what the template rendered and escaped


def _numbers_key(tree, as_of_week, department_id, node_query):
    """What the dashboard's rendered numbers (its `numbers` partial, kept with {% cache %}) depend on.

    The tree's progress at the week (metrics.progress.cache_parts: release, tree, data version, as-of week),
    the language, the department shown and whether the address names the week (node links keep it then).
    Nothing else of the address: any other parameter shows the same numbers under the same key. The region's
    own refresh address is outside the kept part.
    """
    parts = [*progress.cache_parts(tree, as_of_week), get_language(), department_id or "", node_query]
    if tree.previous_id:  # the change from last period (metrics.last_period) depends on last period's numbers too
        parts += [tree.previous_id, tree.previous.data_version]
    return ":".join(map(str, parts))


def _context_numbers(tree, loaded, result, department_id):
    """The change from the same weeks of last period and the unusual entries of the last weeks."""
    return {
        "same_weeks": last_period.same_weeks(tree, loaded, result, department_id),
        "entry_flags": entry_quality.dashboard_flags(loaded, result.as_of_week, department_id),
    }


def _tree_numbers(loaded, progress, department_id):
    roots = reports.outline(loaded, progress, department_id)
    kgi = None
    if progress.kgi is not None:
        kgi_node = loaded.by_code[progress.kgi]
        kgi = reports.Row(kgi_node, progress.nodes[progress.kgi], 0)
    return {
        "kgi": kgi,
        "forecast_achievement": reports.forecast_achievement(kgi.progress) if kgi else None,
        "roots": roots,
        "outline_rows": reports.flat(roots),
        "ranking": kpi_ranking(loaded, progress, department_id),
        "missing": reports.missing_numbers(loaded, progress, department_id),
        "warnings": warning_messages(progress.warnings, loaded.data),
        "has_entries": loaded.has_entries,
    }


def _departments_of(loaded, tree):
    """The departments that own the tree or one of its nodes, in their order."""
    found = {node.department.pk: node.department for node in loaded.nodes if node.department_id}
    if tree.department_id:
        found.setdefault(tree.department_id, tree.department)
    return sorted(found.values(), key=lambda department: (department.position, department.name))


def _selected_department(request, departments):
    text = request.GET.get("department", "")
    return next((department for department in departments if str(department.pk) == text), None)


def _week_choices(request, tree, progress, department_id):
    """The as-of select (every week of the period) and the ◀ ▶ links, keeping the department."""
    weeks = list(progress.weeks)
    if not weeks:
        return {"week_options": [], "previous_url": "", "next_url": ""}
    k = weeks.index(progress.as_of_week)
    current = week_containing(_today(), tree.week_start)

    def url(week):
        return _url(request.path, as_of=week.isoformat(), department=department_id)

    return {
        "week_options": [
            {"week": week, "selected": i == k, "unfinished": week >= current} for i, week in enumerate(weeks)
        ],
        "previous_url": url(weeks[k - 1]) if k > 0 else "",
        "next_url": url(weeks[k + 1]) if k + 1 < len(weeks) else "",
        "previous_week": weeks[k - 1] if k > 0 else None,
        "next_week": weeks[k + 1] if k + 1 < len(weeks) else None,
    }


def _progress_for_download(request, pk):
    tree = get_tree_for_user(request, pk)
    day, ok = reports.parse_as_of(request.GET.get("as_of", ""))
    if not ok:
        return tree, None, None
    computed = progress.tree_progress(tree, day or default_as_of(tree), notes_for=set())
    return tree, computed.progress, computed.loaded


def _bad_as_of(request):
    message = _("as_of: “%(value)s” is not a date. Write it as YYYY-MM-DD, such as 2026-06-29.") % {
        "value": request.GET.get("as_of", "")
    }
    return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
def progress_json(request, pk):
    """The docs/files.md "Progress" export at ?as_of= (default: the last complete week)."""
    tree, progress, loaded = _progress_for_download(request, pk)
    if progress is None:
        return _bad_as_of(request)
    response = JsonResponse(progress_to_json(progress, loaded.data), json_dumps_params={"ensure_ascii": False})
    filename = f"{tree.code}-progress-{progress.as_of_week.isoformat()}.json"
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@login_required
@require_GET
def progress_csv(request, pk):
    """The same export as CSV (metrics.progress_files.progress_to_csv), with a BOM so that Excel reads it as UTF-8."""
    tree, progress, loaded = _progress_for_download(request, pk)
    if progress is None:
        return _bad_as_of(request)
    text = CSV_BOM + progress_to_csv(progress, loaded.data)
    response = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    filename = f"{tree.code}-progress-{progress.as_of_week.isoformat()}.csv"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- a node's progress --------------------------------------------------------------------------------------


@dataclass
class NodeView:
    """Everything the node page shows about a node's numbers (metrics/includes/node_progress.html)."""

    node: object
    tree: object
    progress: engine.Progress
    result: engine.NodeProgress
    as_of_week: date
    forecast_achievement: object
    table: list
    chart_url: str
    refresh_url: str
    summary_weekly: str
    summary_cumulative: str
    initiatives: list
    contributions: list
    drivers: list
    warnings: list
    is_kgi: bool

    @property
    def has_stretch(self):
        return self.result.node.stretch is not None


def node_view(request, node):
    """The node's progress at ?as_of= (3 queries: nodes, entries or notes, initiatives); None when not computed."""
    if node.is_archived:
        return None
    tree = node.tree
    as_of, _problem = _as_of_from(request, tree)
    computed = progress.tree_progress(tree, as_of, notes_for={node.code})
    loaded, tree_result = computed.loaded, computed.progress
    if node.code not in loaded.by_code or loaded.by_code[node.code].pk != node.pk:
        return None
    result = tree_result.nodes[node.code]
    d = reports.as_of_index(tree_result)
    query = {"as_of": tree_result.as_of_week.isoformat()} if "as_of" in request.GET and not _problem else {}
    return NodeView(
        node=node,
        tree=tree,
        progress=tree_result,
        result=result,
        as_of_week=tree_result.as_of_week,
        forecast_achievement=reports.forecast_achievement(result),
        table=reports.table_rows(result, d, loaded.notes.get(node.code, {})),
        chart_url=_url(reverse("metrics:node-chart-data", args=[node.pk]), **query),
        refresh_url=_url(reverse("metrics:node-progress", args=[node.pk]), **query),
        summary_weekly=chart_summary(node, result, tree_result.as_of_week, "weekly"),
        summary_cumulative=chart_summary(node, result, tree_result.as_of_week, "cumulative"),
        initiatives=_initiatives(node),
        contributions=reports.contributions(loaded, tree_result, node.code),
        drivers=reports.drivers(loaded, tree_result, node.code),
        warnings=warning_messages(tree_result.warnings_for(node.code), loaded.data),
        is_kgi=node.parent_id is None,
    )


def _initiatives(node):
    """The node's initiatives lettered A, B… by start (as goals.views.initiatives.node_initiatives letters them)."""
    return [
        {
            "label": letter(index),
            "week": week_containing(initiative.start_date, node.tree.week_start),
            "initiative": initiative,
        }
        for index, initiative in enumerate(node.initiatives.order_by("start_date", "id"))
    ]


def chart_summary(node, result, as_of_week, mode):
    """The chart's aria-label: what it shows and its main figures, in words."""
    values = {
        "name": node.name,
        "week": formatting.week_label(as_of_week),
        "actual": formatting.number(result.actual_to_date, node.unit) if result.actual_to_date is not None else "—",
        "target": formatting.number(result.target_to_date, node.unit) if result.target_to_date is not None else "—",
        "achievement": formatting.percent(result.achievement) if result.achievement is not None else "—",
        "status": formatting.STATUS_LABELS.get(result.status, result.status),
        "forecast": formatting.number(result.forecast, node.unit) if result.forecast is not None else "—",
    }
    if mode == "weekly":
        text = _("Chart of the weekly actuals of %(name)s against the weekly target.")
    else:
        text = _("Chart of the cumulative actual of %(name)s against the target, with the landing forecast.")
    return (
        text % values
        + " "
        + _(
            "As of %(week)s: actual to date %(actual)s, target to date %(target)s, achievement %(achievement)s, "
            "%(status)s; landing forecast %(forecast)s. The same numbers are in the table below."
        )
        % values
    )


@login_required
@require_GET
def node_progress(request, pk):
    """The node page's progress section alone, for its refresh every minute (htmx)."""
    node = get_node_for_user(request, pk)
    context = {"node": node, "np": node_view(request, node)}
    return render(request, "metrics/includes/node_progress.html#node_progress", context)


@login_required
@require_GET
def node_chart_data(request, pk):
    """The series of the node's charts (weekly, cumulative), entry notes and initiatives, for static/js/charts.js."""
    node = get_node_for_user(request, pk, annotations=summary.node_annotations())
    view = node_view(request, node)
    if view is None:
        raise Http404(_("This node is archived; it has no progress."))
    result = view.result
    d = reports.as_of_index(view.progress)
    notes = {row.week: row.note for row in view.table if row.note}
    weeks = list(view.progress.weeks)
    pinned = summary.pinned_weeks(node)
    data = {
        "node": {"id": node.pk, "code": node.code, "name": node.name, "unit": node.unit},
        "locale": "ja-JP" if (get_language() or "ja").startswith("ja") else "en",
        "as_of_week": view.as_of_week.isoformat(),
        "as_of_index": d,
        "weeks": [week.isoformat() for week in weeks],
        "labels": [formatting.week_label(week) for week in weeks],
        "week_titles": [formatting.week_label(week) + " (" + formatting.date_label(week) + ")" for week in weeks],
        "notes": [notes.get(week, "") for week in weeks],
        "initiatives": [
            {"label": item["label"], "week": item["week"].isoformat(), "title": item["initiative"].title}
            for item in view.initiatives
        ],
        # Comments pinned to a week: a marker on that week's point (static/js/charts.js).
        "comments": [{"week": week.isoformat(), "count": pinned[week]} for week in weeks if week in pinned],
        "comments_url": reverse("goals:node-detail", args=[node.pk]) + "#comments",
        "summary_weekly": view.summary_weekly,
        "summary_cumulative": view.summary_cumulative,
        "text": {
            "comments": _("Comments on this week"),
            "actual": _("Actual"),
            "target": _("Target"),
            "stretch": _("Stretch target"),
            "actual_to_date": _("Actual to date"),
            "target_to_date": _("Target to date"),
            "forecast": _("Landing forecast"),
            "note": _("Note"),
            "no_data": _("No data"),
        },
        **reports.chart_series(result, d),
    }
    previous = last_period.chart_series(node, node.tree)
    if previous is not None:
        data["last_period"] = previous
        data["text"]["last_period"] = _("Last period (%(name)s)") % {"name": previous["name"]}
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/json")


# --- department page --------------------------------------------------------------------------------------


def _current_trees(today):
    """Trees whose period holds the last complete week or today (the ones running now)."""
    week_ago = today.toordinal() - 7
    return Tree.objects.filter(period_start__lte=today, period_end__gte=date.fromordinal(week_ago))


@login_required
@require_GET
def department(request, pk):
    """The department's nodes across the current trees: status, achievement, sparkline; its missing numbers."""
    department = get_department_for_user(request, pk)
    today = _today()
    current = _current_trees(today)
    if department.viewer_is_guest:
        current = access_for(request.user).visible_trees(current)
    trees = list(
        current.filter(Q(nodes__department=department, nodes__archived_at__isnull=True))
        .select_related("department")
        .distinct()
        .order_by("-period_start", "name")
    )
    computed = progress.trees_progress(trees, default_as_of, notes_for=set())
    sections = []
    for tree in trees:
        loaded, tree_result = computed[tree.pk].loaded, computed[tree.pk].progress
        d = reports.as_of_index(tree_result)
        rows = [
            {
                "node": node,
                "result": tree_result.nodes[node.code],
                "sparkline": reports.sparkline(tree_result.nodes[node.code], d),
                "forecast_achievement": reports.forecast_achievement(tree_result.nodes[node.code]),
            }
            for node in loaded.nodes
            if node.department_id == department.pk
        ]
        if not rows:
            continue
        sections.append(
            {
                "tree": tree,
                "progress": tree_result,
                "rows": rows,
                "missing": reports.missing_numbers(loaded, tree_result, department.pk),
                "dashboard_url": _url(reverse("metrics:dashboard", args=[tree.pk]), department=department.pk),
                "grid_url": _url(
                    reverse("metrics:grid"), tree=tree.pk, week=tree_result.as_of_week.isoformat(), show="all"
                ),
            }
        )
    return render(
        request,
        "metrics/department.html",
        {
            "department": department,
            "sections": sections,
            "missing_count": sum(len(section["missing"]) for section in sections),
        },
    )
