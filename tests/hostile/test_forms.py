"""Every form of every page, every field, with hostile text: no server error, a message in the person's language
where the text cannot be kept, and nothing saved in part.

The forms are read from the pages' HTML (tests/hostile/forms.py), so a field added to a form is tried too.
"""

import inspect

import pytest
from django.db import transaction
from django.urls import reverse

import goals.forms
import metrics.forms
from goals.forms import comments, initiatives, nodes, people, targets, tree_files, trees
from goals.forms.fields import CleanTextMixin
from metrics.models import Entry
from tests.hostile.conftest import FORM_VALUES, LONG, REFUSED, UNPRINTABLE, counts
from tests.hostile.forms import page_forms

pytestmark = pytest.mark.django_db

# Fields the page fills that a person never types and that no view keeps as text.
SKIPPED = {"csrfmiddlewaretoken", "next"}
MAX_FIELDS = 14  # of a form with a field per week or per cell (seasonality, the grid): the first ones


def _pages(world):
    kgi, deals, leads = (world.nodes.get(code=code) for code in ("revenue", "deals", "leads"))
    initiative = world.initiatives.get()
    return {
        "new tree": reverse("goals:tree-create"),
        "tree settings": reverse("goals:tree-edit", args=[world.pk]),
        "new node": reverse("goals:node-add", args=[kgi.pk]),
        "node": reverse("goals:node-edit", args=[deals.pk]),
        "move": reverse("goals:node-move", args=[leads.pk]),
        "comment": reverse("goals:node-detail", args=[deals.pk]),
        "new initiative": reverse("goals:initiative-create", args=[world.pk]),
        "initiative": reverse("goals:initiative-edit", args=[initiative.pk]),
        "seasonality": reverse("goals:node-seasonality", args=[deals.pk]),
        "template": reverse("goals:tree-from-template"),
        "copy": reverse("metrics:tree-copy", args=[world.pk]),
        "grid": reverse("metrics:grid") + f"?tree={world.pk}&show=all",
    }


def _forms(client, url):
    """The page's forms that post data (not signing out or the language switch)."""
    html = client.get(url).content.decode()
    skipped = (reverse("logout"), reverse("set_language"))
    forms = [form for form in page_forms(html) if form.action not in skipped and not form.enctype]
    for form in forms:
        if form.data.get("method") == "even":
            form.data["method"] = "custom"  # seasonality: the weights are read
    return forms


def _post(client, form, url, data):
    """Post inside a savepoint that is rolled back, so every try starts from the same rows."""
    with transaction.atomic():
        response = client.post(form.action or url, data)
        transaction.set_rollback(True)
    return response


def _typed_fields(form):
    return [name for name in form.text_fields if name not in SKIPPED][:MAX_FIELDS]


PAGES = [
    "new tree",
    "tree settings",
    "new node",
    "node",
    "move",
    "comment",
    "new initiative",
    "initiative",
    "seasonality",
    "template",
    "copy",
    "grid",
]


@pytest.mark.parametrize("page", PAGES)
def test_each_text_field_refuses_control_characters_and_long_text_with_a_message(client, owner, world, page):
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    url = _pages(world)[page]
    forms = _forms(client, url)
    assert forms, page
    for form in forms:
        for name in _typed_fields(form):
            for value in ("\x00", "a\u202eb", LONG):
                before = counts()
                response = _post(client, form, url, form.with_value(name, value))
                assert response.status_code < 500, (page, name, value[:5])
                assert counts() == before, (page, name, value[:5])
                if name not in form.hidden:  # refused with the form shown again, not saved and redirected
                    assert response.status_code != 302, (page, name, value[:5])


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("value", FORM_VALUES, ids=[repr(value[:12]) for value in FORM_VALUES])
def test_every_form_takes_any_text_in_every_field_without_error(client, owner, world, page, value):
    """Every typed field of the form at once gets `value`: refused text saves nothing; the rest no server error."""
    client.force_login(owner)
    url = _pages(world)[page]
    for form in _forms(client, url):
        data = dict(form.data)
        for name in _typed_fields(form):
            data[name] = value
        before = counts()
        response = _post(client, form, url, data)
        assert response.status_code < 500, (page, value[:12])
        if value in REFUSED:
            assert counts() == before, (page, value[:12])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "売上\x00", "It holds U+0000 at position 3"),
        ("name", "\u202eevil", "It holds U+202E at position 1"),
        ("unit", "円\t件", "It holds U+0009 at position 2"),  # one line: no tab
        ("definition", "line\x1b[31m", "It holds U+001B at position 5"),
        ("definition", "x" * 4001, "It is 4001 characters long; at most 4000 characters are allowed."),
        ("name", "x" * 201, "It is 201 characters long; at most 200 characters are allowed."),
        ("formula", "deals\x00", "It holds U+0000 at position 6"),
    ],
)
def test_the_node_form_says_which_character_and_where(client, owner, world, field, value, message):
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    deals = world.nodes.get(code="deals")
    form = _forms(client, reverse("goals:node-edit", args=[deals.pk]))[0]
    before = counts()
    response = client.post(form.action, form.with_value(field, value))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_a_definition_keeps_its_line_breaks_and_tabs(client, owner, world):
    client.force_login(owner)
    deals = world.nodes.get(code="deals")
    form = _forms(client, reverse("goals:node-edit", args=[deals.pk]))[0]
    response = client.post(form.action, form.with_value("definition", "SFAの受注\n\t締結日で集計 👨\u200d👩\u200d👧"))
    assert response.status_code == 302
    assert world.nodes.get(code="deals").definition == "SFAの受注\n\t締結日で集計 👨\u200d👩\u200d👧"


def test_messages_are_in_japanese_by_default(client, owner, world):
    client.force_login(owner)
    deals = world.nodes.get(code="deals")
    form = _forms(client, reverse("goals:node-edit", args=[deals.pk]))[0]
    response = client.post(form.action, form.with_value("name", "受注\x00件数"))
    assert "U+0000" in response.content.decode()
    assert "It holds" not in response.content.decode()


@pytest.mark.parametrize("value", UNPRINTABLE)
def test_a_comment_with_control_characters_is_refused(client, member, world, value):
    client.force_login(member)
    deals = world.nodes.get(code="deals")
    before = counts()
    response = client.post(reverse("goals:comment-add", args=[deals.pk]), {"body": f"確認 {value} です"})
    assert response.status_code < 500
    if value != "tab\there":  # tabs and line breaks are fine in a comment
        assert counts() == before


@pytest.mark.parametrize("value", [*UNPRINTABLE, LONG])
def test_the_people_page_refuses_hostile_department_names(client, admin, value):
    client.force_login(admin)
    before = counts()
    response = client.post(reverse("goals:create-department"), {"department-name": value})
    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize("value", ["\x00", "\u202e", LONG, "' OR 1=1 --", "tanaka\x00"])
def test_the_login_page_answers_hostile_names_and_passwords(client, owner, value):
    for data in ({"username": value, "password": "x"}, {"username": "tanaka", "password": value}):
        response = client.post(reverse("login"), data)
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("value", [*UNPRINTABLE, LONG])
def test_a_grid_note_with_control_characters_or_too_long_is_refused(client, member, world, value):
    client.force_login(member)
    client.cookies["django_language"] = "en"
    leads = world.nodes.get(code="leads")
    key = f"{leads.pk}-20260413"
    before = counts()
    response = client.post(
        reverse("metrics:save-cell"),
        {f"v-{key}": "50", f"ver-{key}": "0", f"note-{key}": f"メモ{value}です"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    if value == "tab\there":  # a note may hold tabs and line breaks
        return
    assert counts() == before
    assert ("The note:" if value != LONG else "Shorten it") in response.content.decode()


def test_every_form_class_cleans_its_text():
    """Every form of goals and metrics derives from the forms that clean text (goals.forms.fields)."""
    from django import forms

    modules = [comments, initiatives, nodes, people, targets, tree_files, trees, metrics.forms, goals.forms]
    found = [
        cls
        for module in modules
        for _name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
    ]
    assert len(found) >= 14
    assert [cls for cls in found if not issubclass(cls, CleanTextMixin)] == []


# --- the admin site -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "field", "value", "message"),
    [
        ("tree", "period_end", "9999-12-31", "Use a date from 2000-01-01 to 2100-12-31."),
        ("tree", "period_end", "2031-04-01", "The period is longer than 5 years."),
        ("tree", "name", "FY\x002026", "It holds U+0000 at position 3"),
        ("node", "target", "1234567890123456", "has more than 15 digits"),
        ("node", "stretch", "0.0000001", "6 decimal places"),  # Django's own check comes first
        ("node", "definition", "x\u202e", "It holds U+202E at position 2"),
        ("initiative", "start_date", "0001-01-01", "Use a date from 2000-01-01 to 2100-12-31."),
        ("initiative", "cost", "1E+16", "has more than 15 digits"),
        ("entry", "value", "99999999999999999", "has more than 15 digits"),
        ("entry", "note", "memo\x1b", "It holds U+001B at position 5"),
        ("entry", "week", "9999-12-27", "Use a date from 2000-01-01 to 2100-12-31."),
        ("department", "name", "\u202e部", "It holds U+202E at position 1"),
    ],
)
def test_the_admin_site_checks_text_dates_and_numbers_too(client, admin, world, page, field, value, message):
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    objects = {
        "tree": ("goals/tree", world.pk),
        "node": ("goals/node", world.nodes.get(code="deals").pk),
        "initiative": ("goals/initiative", world.initiatives.get().pk),
        "entry": ("metrics/entry", Entry.objects.filter(node__code="leads").first().pk),
        "department": ("goals/department", world.department_id),
    }
    path, pk = objects[page]
    url = f"/admin/{path}/{pk}/change/"
    form = next(form for form in page_forms(client.get(url).content.decode()) if form.action in ("", url))
    before = counts()
    response = client.post(url, {**form.with_value(field, value), "_save": "Save"})
    assert response.status_code == 200, response.status_code
    assert message in response.content.decode()
    assert counts() == before
