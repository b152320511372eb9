"""Trees: the list, creating one, the tree page (the editor), its settings and its history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from goals import history, outline, periods
from goals.access import access_for, get_tree_for_user
from goals.discussion import agreements
from goals.discussion.summary import open_questions_count
from goals.forms.trees import NewTreeForm, TreeForm
from goals.health import tree_health
from goals.models import ChangeAction, Department, Node, Tree, VersionConflict

# Trees


def can_create_trees(user):
    """Admins and the leads of any department create trees (they own the new tree's department)."""
    access = access_for(user)
    return access.is_admin or bool(access.lead_of)


def creatable_departments(user):
    """The departments a person may give a new tree: all for admins, the ones they lead for leads."""
    access = access_for(user)
    departments = Department.objects.all()
    return departments if access.is_admin else departments.filter(pk__in=access.lead_of)


def check_can_create(request):
    if not can_create_trees(request.user):
        raise PermissionDenied(
            _("Only department leads and admins create trees. Ask the lead of your department or a workspace admin.")
        )


@login_required
@require_GET
def tree_list(request):
    kgi = Node.objects.filter(tree=OuterRef("pk"), parent=None, archived_at=None)
    trees = (
        access_for(request.user)
        .visible_trees(Tree.objects.select_related("department"))
        .annotate(
            kpi_count=Count("nodes", filter=Q(nodes__archived_at__isnull=True, nodes__parent__isnull=False)),
            kgi_name=Subquery(kgi.values("name")[:1]),
        )
    )
    return render(request, "goals/tree_list.html", {"trees": trees, "can_create": can_create_trees(request.user)})


@login_required
@require_GET
def new_tree(request):
    check_can_create(request)
    start, end = periods.fiscal_year_dates(periods.fiscal_year(timezone.localdate()))
    departments = creatable_departments(request.user)
    initial = {"period_start": start, "period_end": end}
    if departments.count() == 1:
        initial["department"] = departments.first()
    form = NewTreeForm(departments=departments, initial=initial)
    return render(request, "goals/tree_form.html", {"form": form, "creating": True})


@login_required
@require_POST
def create_tree(request):
    check_can_create(request)
    form = NewTreeForm(request.POST, departments=creatable_departments(request.user))
    if not form.is_valid():
        return render(request, "goals/tree_form.html", {"form": form, "creating": True}, status=400)
    with transaction.atomic(), history.recorded_as(request.user, ChangeAction.CREATE):
        tree = form.save()
        kgi = form.save_kgi(tree)
    messages.success(
        request,
        _("Created the tree %(tree)s with its KGI %(kgi)s. Add the KPIs below it.")
        % {"tree": tree.name, "kgi": kgi.name},
    )
    return redirect("goals:tree-detail", tree.pk)


# The tree page: outline, node panel, health, archived nodes


def editor_context(request, tree, **extra):
    """Everything the tree page's editor region shows, in a fixed number of queries."""
    nodes = list(
        tree.nodes.select_related("department", "owner")
        .annotate(open_questions=open_questions_count())
        .order_by("position", "id")
    )
    arranged = outline.build(nodes)
    department_ids = {n.department_id for n in arranged.nodes if n.department_id}
    if tree.department_id:
        department_ids.add(tree.department_id)
    can_edit = access_for(request.user).can_edit_tree(tree, department_ids)
    context = {
        "tree": tree,
        "outline": arranged,
        "kgi": arranged.kgi,
        "node_count": len(arranged.nodes),
        "can_edit": can_edit,
        "health": tree_health(tree, nodes),
        "unagreed": agreements.unagreed_handoffs([node for node in nodes if node.archived_at is None]),
        "panel": None,
    }
    context.update(extra)
    return context


def render_editor(request, tree, notice="", error="", node=None):
    """The editor region after an htmx change: it replaces #tree-editor wherever the request came from.

    `node` is the node the change was about: the page brings its card into view and focuses it.
    """
    context = editor_context(request, tree, notice=notice, notice_error=error, focus_node=node)
    response = render(request, "goals/tree_detail.html#editor", context)
    return reswap(retarget(response, "#tree-editor"), "outerHTML")


@login_required
@require_GET
def tree_detail(request, pk):
    tree = get_tree_for_user(request, pk)
    return render(request, "goals/tree_detail.html", editor_context(request, tree))


# Settings


@login_required
@require_GET
def edit_tree(request, pk):
    tree = get_tree_for_user(request, pk, write=True)
    form = TreeForm(instance=tree, departments=Department.objects.all())
    return render(request, "goals/tree_form.html", {"form": form, "tree": tree})


@login_required
@require_POST
def update_tree(request, pk):
    tree = get_tree_for_user(request, pk, write=True)
    departments = Department.objects.all()
    # The form works on a copy of its own: `tree` stays as stored, for the page around the form.
    form = TreeForm(request.POST, instance=Tree.objects.get(pk=tree.pk), departments=departments)
    if not form.is_valid():
        return render(request, "goals/tree_form.html", {"form": form, "tree": tree}, status=400)
    form_version = form.cleaned_data.get("version")
    try:
        saved = tree.save_versioned(request.user, form.changes(), expected_version=form_version or 0)
    except VersionConflict as conflict:
        # Someone saved since this form was opened: show what they changed, keep what this person typed,
        # and let the next save (carrying the new version) overwrite.
        data = request.POST.copy()
        data["version"] = conflict.stored_version
        fresh = Tree.objects.get(pk=tree.pk)
        context = {
            "form": TreeForm(data, instance=fresh, departments=departments),
            "tree": fresh,
            "conflict": history.updates_since(fresh, form_version),
            "has_errors": True,
        }
        return render(request, "goals/tree_form.html", context, status=409)
    messages.success(request, _("Saved the settings of %(tree)s.") % {"tree": saved.name})
    return redirect("goals:tree-detail", saved.pk)


# History


@login_required
@require_GET
def tree_history(request, pk):
    tree = get_tree_for_user(request, pk)
    page = Paginator(history.tree_changes(tree), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "goals/tree_history.html",
        {"tree": tree, "page": page, "changes": history.with_rows(page.object_list)},
    )


def tree_url(tree, node=None):
    url = reverse("goals:tree-detail", args=[tree.pk])
    return f"{url}#node-{node.pk}" if node is not None else url
