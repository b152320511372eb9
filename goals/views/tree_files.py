"""Tree files: import and export a tree file, a new tree from a template.

Copying a tree to the next period needs last period's actuals: it is a metrics page (metrics/views/tree_copy.py).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from goals import periods, treefile
from goals.access import access_for, get_tree_for_user
from goals.forms.tree_files import TreeFromTemplateForm, TreeImportForm
from goals.models import Tree
from goals.views.trees import check_can_create, creatable_departments


def _summary_message(tree):
    summary = tree.import_summary
    values = {
        "tree": tree.name,
        "created": summary.nodes_created,
        "updated": summary.nodes_updated,
        "archived": summary.nodes_archived,
        "deleted": summary.nodes_deleted,
    }
    if summary.created:
        return (
            ngettext(
                "Imported the new tree %(tree)s with %(created)s node.",
                "Imported the new tree %(tree)s with %(created)s nodes.",
                summary.nodes_created,
            )
            % values
        )
    return (
        _(
            "Imported the tree %(tree)s: %(created)s nodes added, %(updated)s changed, %(archived)s archived, "
            "%(deleted)s deleted. Entries of nodes that kept their code are kept."
        )
        % values
    )


# Import: /trees/import/


@login_required
@require_GET
def import_tree_form(request):
    check_can_create(request)
    departments = creatable_departments(request.user)
    initial = {"department": departments.first()} if departments.count() == 1 else {}
    form = TreeImportForm(departments=departments, initial=initial)
    return render(request, "goals/tree_import.html", {"form": form})


@login_required
@require_POST
def import_tree_upload(request):
    check_can_create(request)
    form = TreeImportForm(request.POST, request.FILES, departments=creatable_departments(request.user))

    def refuse(file_errors=None, status=400):
        context = {"form": form, "file_errors": file_errors, "has_errors": True}
        return render(request, "goals/tree_import.html", context, status=status)

    if not form.is_valid():
        return refuse()
    try:
        spec = treefile.read_tree_file(treefile.loads(form.cleaned_data["file"].read()))
    except treefile.TreeFileError as error:
        return refuse(error)

    existing = Tree.objects.select_related("department").filter(code=spec.code).first()
    if existing is not None:
        if not access_for(request.user).can_edit_tree(existing):
            raise PermissionDenied(
                _(
                    "The file replaces the tree %(tree)s, which you can view but not edit. "
                    "Ask one of its leads, or change the code in the file to create a new tree."
                )
                % {"tree": existing.name}
            )
        if not form.cleaned_data["replace"]:
            form.add_error(
                "replace",
                _(
                    "A tree with the code %(code)s already exists (%(tree)s). Tick this box to replace its "
                    "structure, or change the code in the file to create a new tree."
                )
                % {"code": spec.code, "tree": existing.name},
            )
            return refuse()
    elif form.cleaned_data["department"] is None:
        form.add_error("department", _("The file creates a new tree. Choose the department that owns it."))
        return refuse()

    try:
        tree = treefile.import_tree(spec, request.user, department=form.cleaned_data["department"])
    except treefile.TreeFileError as error:
        return refuse(error)
    messages.success(request, _summary_message(tree))
    return redirect("goals:tree-detail", tree.pk)


# Export: /trees/<pk>/export.json


@login_required
@require_GET
def export_tree_file(request, pk):
    tree = get_tree_for_user(request, pk)
    response = HttpResponse(treefile.dumps(treefile.export_tree(tree)), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{tree.code}.json"'
    return response


# New tree from a template: /trees/new-from-template/


@login_required
@require_GET
def tree_from_template_form(request):
    check_can_create(request)
    templates = treefile.list_templates()
    departments = creatable_departments(request.user)
    start, end = periods.fiscal_year_dates(periods.fiscal_year(timezone.localdate()) + 1)
    initial = {"period_start": start, "period_end": end, "template": templates[0].key if templates else None}
    if departments.count() == 1:
        initial["department"] = departments.first()
    form = TreeFromTemplateForm(templates=templates, departments=departments, initial=initial)
    return render(request, "goals/tree_new_from_template.html", {"form": form, "templates": templates})


@login_required
@require_POST
def create_tree_from_template(request):
    check_can_create(request)
    templates = treefile.list_templates()
    form = TreeFromTemplateForm(request.POST, templates=templates, departments=creatable_departments(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            tree = treefile.create_tree_from_template(
                data["template"],
                data["code"],
                data["name"],
                data["period_start"],
                data["period_end"],
                user=request.user,
                department=data["department"],
            )
        except treefile.TreeFileError as error:
            error.add_to_form(form)
        else:
            messages.success(
                request,
                _("Created the tree %(tree)s from the template. Check the targets and definitions, then share it.")
                % {"tree": tree.name},
            )
            return redirect("goals:tree-detail", tree.pk)
    context = {"form": form, "templates": templates, "has_errors": True}
    return render(request, "goals/tree_new_from_template.html", context, status=400)
