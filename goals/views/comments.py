"""Threads on nodes: posting a comment or a question, replying, editing, deleting, answering; the count of new
comments that open pages poll; the names that @ completes.

Everyone who sees a tree comments on its nodes (guests on the trees they are invited to). Only the author edits
a comment; the author or an admin deletes it; members of the department a question is addressed to mark it
answered (goals.access). After an htmx request the node page's `#comments` region comes back; otherwise the
browser goes back to the node page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from goals.access import access_for, get_comment_for_user, get_node_for_user, get_tree_for_user
from goals.discussion import mentions, notices, pages, threads
from goals.forms.comments import EditCommentForm, ReplyForm
from goals.models import Comment
from goals.views.nodes import node_context, node_page_context

MENTION_CANDIDATES_LIMIT = 20


def _comments_response(request, node, form=None, status=200, reply=None):
    if request.htmx:
        context = node_context(request, node, comment_form=form, reply=reply)
        return render(request, "goals/node_detail.html#comments", context)
    return render(request, "goals/node_detail.html", node_page_context(request, node, form, reply), status=status)


def _comments_url(node, comment=None):
    anchor = f"#comment-{comment.pk}" if comment is not None else "#comments"
    return reverse("goals:node-detail", args=[node.pk]) + anchor


def _say_unresolved(request, posted):
    """Tell the author which @names reached nobody, and why."""
    for item in posted.unresolved:
        if item.problem == mentions.AMBIGUOUS:
            names = "、".join(f"@{mentions_handle(target)}" for target in item.candidates)
            messages.warning(
                request,
                _("“@%(name)s” could be several people, so nobody was notified. Write one of %(names)s instead.")
                % {"name": item.text, "names": names},
            )
        else:
            messages.warning(
                request,
                _(
                    "Nobody is called “@%(name)s”, so nobody was notified. Check the name: the list that opens "
                    "after @ shows who can be mentioned."
                )
                % {"name": item.text},
            )


def mentions_handle(target):
    return target.department.name if target.department is not None else target.user.get_username()


def _done(request, node, notice, posted=None, comment=None):
    if posted is not None:
        _say_unresolved(request, posted)
    if request.htmx:
        if notice:
            messages.success(request, notice)
        return _comments_response(request, node)
    if notice:
        messages.success(request, notice)
    return redirect(_comments_url(node, comment))


@login_required
@require_POST
def add_comment(request, pk):
    """A new thread: a comment, maybe about a week, or a question to a department."""
    node = get_node_for_user(request, pk)
    access = access_for(request.user)
    form = pages.comment_form(node.tree, access, request.POST)
    if not form.is_valid():
        return _comments_response(request, node, form, status=400)
    data = form.cleaned_data
    posted = threads.post(
        node, request.user, data["body"], access, week=data["week"], to_department=data["to_department"]
    )
    notice = (
        _("Sent your question to %(department)s.") % {"department": data["to_department"].name}
        if data["to_department"]
        else _("Posted your comment.")
    )
    return _done(request, node, notice, posted, posted.comment)


@login_required
@require_POST
def reply(request, pk):
    """A reply in the thread of comment `pk`."""
    parent = get_comment_for_user(request, pk)
    node = get_node_for_user(request, parent.node_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():  # shown again under its thread, with the error and what was typed
        return _comments_response(request, node, status=400, reply=(parent.pk, form))
    posted = threads.post(node, request.user, form.cleaned_data["body"], access_for(request.user), parent=parent)
    return _done(request, node, _("Posted your reply."), posted, posted.comment)


@login_required
@require_GET
def edit_comment(request, pk):
    """The form to change one's own comment (the node page's comment, swapped in by htmx)."""
    comment = get_comment_for_user(request, pk, write=True)
    if comment.is_deleted:
        raise PermissionDenied(_("This comment was deleted; it cannot be edited."))
    form = EditCommentForm(initial={"body": comment.body}, auto_id=f"edit-{comment.pk}-%s")
    return _edit_page(request, comment, form)


def _edit_page(request, comment, form, status=200):
    context = {
        "comment": comment,
        "node": comment.node,
        "tree": comment.node.tree,
        "form": form,
        "mention_url": reverse("goals:mention-candidates") + f"?tree={comment.node.tree_id}",
    }
    template = "goals/comment_edit.html#edit-form" if request.htmx else "goals/comment_edit.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def update_comment(request, pk):
    comment = get_comment_for_user(request, pk, write=True)
    if comment.is_deleted:
        raise PermissionDenied(_("This comment was deleted; it cannot be edited."))
    form = EditCommentForm(request.POST, auto_id=f"edit-{comment.pk}-%s")
    if not form.is_valid():
        response = _edit_page(request, comment, form, status=200 if request.htmx else 400)
        return reswap(retarget(response, f"#edit-form-{comment.pk}"), "outerHTML") if request.htmx else response
    posted = threads.edit(comment, request.user, form.cleaned_data["body"], access_for(request.user))
    node = get_node_for_user(request, comment.node_id)
    return _done(request, node, _("Saved your comment. Its earlier text is kept."), posted, comment)


@login_required
@require_POST
def delete_comment(request, pk):
    """The author or an admin deletes a comment; one with replies leaves a marker."""
    comment = get_comment_for_user(request, pk, delete=True)
    node = comment.node
    threads.delete(comment)
    if request.htmx:
        return _comments_response(request, get_node_for_user(request, node.pk))
    messages.success(request, _("Deleted the comment."))
    return redirect(_comments_url(node))


def _question_for_answer(request, pk):
    comment = get_comment_for_user(request, pk)
    if not comment.is_question or comment.is_deleted:
        raise PermissionDenied(_("Only a question to a department can be marked answered."))
    if not access_for(request.user).can_answer(comment):
        raise PermissionDenied(
            _("Only members of %(department)s mark this question answered.")
            % {"department": comment.to_department.name}
        )
    return comment


@login_required
@require_POST
def answer_question(request, pk):
    comment = _question_for_answer(request, pk)
    threads.answer(comment, request.user)
    node = get_node_for_user(request, comment.node_id)
    return _done(request, node, _("Marked the question answered. Its author is told."), comment=comment)


@login_required
@require_POST
def reopen_question(request, pk):
    comment = _question_for_answer(request, pk)
    threads.reopen(comment)
    node = get_node_for_user(request, comment.node_id)
    return _done(request, node, _("The question is open again."), comment=comment)


@login_required
@require_POST
def read_node_notices(request, pk):
    """The person opened the node's page: their notices about it are read (htmx, on load)."""
    node = get_node_for_user(request, pk)
    notices.mark_read_about(request.user, node)
    if request.htmx:
        return render(request, "goals/includes/nothing.html")
    return redirect(reverse("goals:node-detail", args=[node.pk]))


# What open pages poll: comments posted since they were loaded


def _new_comments(request, comments, reload_url):
    try:
        since = max(int(request.GET.get("since", "0")), 0)
    except ValueError:
        since = 0
    count = comments.filter(pk__gt=since).exclude(author=request.user).filter(deleted_at__isnull=True).count()
    context = {"count": count, "reload_url": reload_url, "poll_url": request.get_full_path()}
    return render(request, "goals/includes/new_comments.html", context)


@login_required
@require_GET
def node_new_comments(request, pk):
    """How many comments others posted on the node since `?since=` (the newest id the page showed)."""
    node = get_node_for_user(request, pk)
    return _new_comments(request, Comment.objects.filter(node=node), _comments_url(node))


@login_required
@require_GET
def tree_new_comments(request, pk):
    """The same for a whole tree (its tree page, dashboard and review)."""
    tree = get_tree_for_user(request, pk)
    reload_url = request.GET.get("next", "")
    if not reload_url.startswith("/") or not url_has_allowed_host_and_scheme(reload_url, allowed_hosts=None):
        reload_url = reverse("goals:tree-detail", args=[tree.pk])
    return _new_comments(request, Comment.objects.filter(node__tree=tree), reload_url)


# @ completion


@login_required
@require_GET
def mention_candidates(request):
    """The people and departments that can be mentioned on `?tree=`, matching `?q=` (JSON for
    static/js/mentions.js): [{"insert": "田中", "label": "田中 一郎", "detail": "tanaka · マーケティング部"}]."""
    tree = get_tree_for_user(request, _int(request.GET.get("tree")))
    access = access_for(request.user)
    directory = mentions.directory_for(tree, access)
    query = mentions.name_key(request.GET.get("q", ""))[:50]
    found = []
    for target in directory.targets():
        names = [target.label]
        if target.user is not None:
            names += [target.user.get_username(), target.user.last_name, target.user.first_name]
        if query and not any(query in mentions.name_key(name) for name in names if name):
            continue
        found.append(_candidate(target, directory))
        if len(found) >= MENTION_CANDIDATES_LIMIT:
            break
    return JsonResponse({"candidates": found}, json_dumps_params={"ensure_ascii": False})


def _candidate(target, directory):
    if target.department is not None:
        return {"insert": target.department.name, "label": target.department.name, "detail": _("Department")}
    user = target.user
    label = f"{user.last_name} {user.first_name}".strip() or user.get_username()
    return {"insert": directory.handle(target), "label": label, "detail": user.get_username()}


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0
