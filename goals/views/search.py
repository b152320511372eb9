"""Search from the header: /search/?q=... (goals.search), the results grouped by kind; htmx asks for the results
region alone as the person types."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from goals import search as finder
from goals.forms.search import SearchForm


@login_required
@require_GET
def search(request):
    """Trees, KPIs, comments and initiatives that match ?q=, among what the person may see."""
    form = SearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].strip():
        results = finder.search(request.user, form.cleaned_data["q"])
    context = {
        "form": form,
        "results": results,
        "has_errors": form.is_bound and bool(form.errors),
        "max_length": finder.MAX_QUERY_LENGTH,
        "limit": finder.LIMIT,
    }
    template = "goals/search.html#results" if request.htmx and not request.htmx.boosted else "goals/search.html"
    return render(request, template, context)
