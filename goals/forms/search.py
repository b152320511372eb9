"""The search box of the header and of the results page (goals.search)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from goals.forms.fields import Form
from goals.search import MAX_QUERY_LENGTH


class SearchForm(Form):
    q = forms.CharField(
        label=_("Search"),
        max_length=MAX_QUERY_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Names, codes and definitions of KPIs, trees, comments and initiatives."),
    )
