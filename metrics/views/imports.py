"""Entries files on the web: upload -> preview -> confirm, and the CSV downloads.

Between preview and confirm the decoded file travels in the confirm form, signed and compressed
(django.core.signing), with the user, the tree and a fingerprint of the previewed plan: any app server can
confirm it, and nothing is kept in memory or on local disk. Confirming re-reads the file against the database;
when the plan differs from the one the person saw, the new preview is shown again instead of saving.

Only people who may enter the numbers of at least one node of the tree import into it (others get 403). An
upload is refused before it is read when its request is larger than the file limit allows, and read into memory
only up to that limit otherwise (SizeLimitedUploadHandler): a large file never costs more than the limit.
"""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from goals.access import access_for, get_tree_for_user
from metrics import csvfiles
from metrics.forms import EntriesFileForm, too_large_message

SIGNING_SALT = "metrics.import-entries"
PREVIEW_MAX_AGE = 60 * 60  # seconds a preview may wait for its confirmation
# What an upload's request may carry around the file itself: multipart boundaries and headers, the CSRF token.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


class SizeLimitedUploadHandler(FileUploadHandler):
    """Keeps each uploaded file in memory up to `limit` bytes; one byte more stops reading the request."""

    def __init__(self, request, limit):
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = io.BytesIO()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=True)
        self.file.write(raw_data)

    def file_complete(self, file_size):
        self.file.seek(0)
        return InMemoryUploadedFile(
            self.file,
            self.field_name,
            self.file_name,
            self.content_type,
            file_size,
            self.charset,
            self.content_type_extra,
        )


def _check_can_import(request, tree):
    """403 unless the person may enter the numbers of at least one active node of the tree."""
    access = access_for(request.user)
    if access.is_admin:
        return
    nodes = tree.nodes.active().filter(department_id__in=access.member_of).only("formula", "archived_at", "department")
    if not any(access.can_enter(node) for node in nodes):
        raise PermissionDenied(
            _(
                "You cannot import numbers into this tree: your departments enter none of its numbers. Ask a "
                "member of the department that enters them, or a workspace admin."
            )
        )


@csrf_exempt  # checked by _check_file below, once the size-limited upload handler is in place (Django's way)
@login_required
def import_entries(request, tree_id):
    """GET: the upload form. POST: check the file and show what it would do; nothing is saved."""
    tree = get_tree_for_user(request, tree_id)
    _check_can_import(request, tree)
    if request.method != "POST":
        return _upload_page(request, tree, EntriesFileForm())
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > csvfiles.MAX_FILE_BYTES + UPLOAD_OVERHEAD_BYTES:
        # Refused unread: the request says it is too large.
        return _upload_page(request, tree, EntriesFileForm(), problem=too_large_message(), status=413)
    handler = SizeLimitedUploadHandler(request, csvfiles.MAX_FILE_BYTES)
    request.upload_handlers = [handler]
    return _check_file(request, tree, handler)


@csrf_protect
def _check_file(request, tree, handler):
    form = EntriesFileForm(request.POST, request.FILES)
    if handler.too_large:
        return _upload_page(request, tree, EntriesFileForm(), problem=too_large_message(), status=413)
    if form.is_valid():
        plan = csvfiles.plan_from_bytes(form.cleaned_data["file"].read(), user=request.user, tree=tree)
        return _show_plan(request, tree, plan)
    return _upload_page(request, tree, form)


@login_required
@require_POST
def confirm_import(request, tree_id):
    """Save a previewed file: re-checked against the database, then written in one transaction."""
    tree = get_tree_for_user(request, tree_id)
    _check_can_import(request, tree)
    try:
        data = signing.loads(request.POST.get("plan", ""), salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        return _upload_page(
            request, tree, EntriesFileForm(), problem=_("The check of the file has expired. Choose the file again.")
        )
    except signing.BadSignature:
        data = None
    if not data or data.get("tree") != tree.pk or data.get("user") != request.user.pk:
        return _upload_page(
            request,
            tree,
            EntriesFileForm(),
            problem=_("The checked file could not be read back. Choose the file again."),
            status=400,
        )

    plan = csvfiles.build_plan(data["text"], user=request.user, tree=tree)
    if plan.errors or plan.fingerprint() != data["fingerprint"]:
        return _show_plan(request, tree, plan, changed_since=True)
    try:
        counts = csvfiles.apply(plan, request.user)
    except csvfiles.ImportStale:
        plan = csvfiles.build_plan(data["text"], user=request.user, tree=tree)
        return _show_plan(request, tree, plan, changed_since=True)
    messages.success(
        request,
        _("Imported: %(created)s added, %(changed)s changed, %(deleted)s deleted, %(unchanged)s unchanged.") % counts,
    )
    return redirect("metrics:import-entries", tree_id=tree.pk)


@login_required
def export_entries(request, tree_id):
    """The tree's entries as the entries CSV (docs/files.md)."""
    tree = get_tree_for_user(request, tree_id)
    return _csv_response(csvfiles.entries_csv(tree), f"{tree.code}-entries.csv")


@login_required
def entries_template(request, tree_id):
    """Every measured node x every week, with the current values: fill it in and import it."""
    tree = get_tree_for_user(request, tree_id)
    return _csv_response(csvfiles.template_csv(tree), f"{tree.code}-template.csv")


def _csv_response(text, filename):
    response = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _upload_page(request, tree, form, *, plan=None, problem=None, status=200):
    context = {
        "tree": tree,
        "form": form,
        "plan": plan,
        "problem": problem,
        "has_errors": bool(form.errors or problem or (plan and plan.errors)),
    }
    return render(request, "metrics/import_upload.html", context, status=status)


def _show_plan(request, tree, plan, *, changed_since=False):
    if plan.errors:
        return _upload_page(request, tree, EntriesFileForm(), plan=plan)
    token = signing.dumps(
        {"tree": tree.pk, "user": request.user.pk, "text": plan.text, "fingerprint": plan.fingerprint()},
        salt=SIGNING_SALT,
        compress=True,
    )
    context = {
        "tree": tree,
        "plan": plan,
        "counts": plan.counts(),
        "token": token,
        "changed_since": changed_since,
        "has_changes": bool(plan.creates or plan.changes or plan.deletes),
    }
    return render(request, "metrics/import_preview.html", context)
