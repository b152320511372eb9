"""A tree's webhooks (docs/api.md "Webhooks"): those who change the tree's structure add and remove them and see
the latest deliveries."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from goals.access import get_tree_for_user
from metrics import webhooks
from metrics.forms import WebhookForm
from metrics.models import Webhook, WebhookDelivery

RECENT_DELIVERIES = 20


def _page(request, tree, form, *, new_webhook=None, status=200):
    response = render(
        request,
        "metrics/webhooks.html",
        {
            "tree": tree,
            "form": form,
            "webhooks": tree.webhooks.all(),
            "deliveries": WebhookDelivery.objects.filter(webhook__tree=tree).select_related("webhook")[
                :RECENT_DELIVERIES
            ],
            "new_webhook": new_webhook,
            "has_errors": bool(form.errors),
        },
        status=status,
    )
    if new_webhook is not None:
        patch_cache_control(response, no_store=True)  # the secret is shown once
    return response


@login_required
def tree_webhooks(request, pk):
    tree = get_tree_for_user(request, pk, write=True)
    return _page(request, tree, WebhookForm())


@login_required
@require_POST
def create_webhook(request, pk):
    tree = get_tree_for_user(request, pk, write=True)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _page(request, tree, form, status=400)
    webhook = form.save(commit=False)
    webhook.tree = tree
    webhook.secret = webhooks.new_secret()
    webhook.created_by = request.user
    webhooks.baseline(webhook)
    with transaction.atomic():
        webhook.save()
    return _page(request, tree, WebhookForm(), new_webhook=webhook)


@login_required
@require_POST
def delete_webhook(request, pk):
    webhook = get_object_or_404(Webhook.objects.select_related("tree"), pk=pk)
    get_tree_for_user(request, webhook.tree_id, write=True)
    webhook.delete()
    messages.success(request, _("Removed the webhook to %(url)s.") % {"url": webhook.url})
    return redirect("metrics:tree-webhooks", webhook.tree_id)
