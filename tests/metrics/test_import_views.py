from datetime import date
from decimal import Decimal

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import Node
from metrics.entries import set_entry
from metrics.models import Entry, EntryChange

W1 = date(2026, 3, 30)


@pytest.fixture
def en_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def upload(client, tree, text, name="numbers.csv"):
    url = reverse("metrics:import-entries", args=[tree.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")})


def confirm(client, tree, token):
    return client.post(reverse("metrics:confirm-import", args=[tree.pk]), {"plan": token})


GOOD = "tree,node,week,value\nfy2026-test,leads,2026-03-30,120\nfy2026-test,leads,2026-04-06,\n"


def test_upload_preview_confirm(en_client, tree, member):
    leads = Node.objects.get(code="leads")
    set_entry(leads, date(2026, 4, 6), Decimal("80"), user=member, source="grid")
    en_client.force_login(member)

    page = en_client.get(reverse("metrics:import-entries", args=[tree.pk]))
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content
    assert reverse("metrics:entries-template", args=[tree.pk]).encode() in page.content

    preview = upload(en_client, tree, GOOD)
    assert preview.status_code == 200
    assert preview.templates[0].name == "metrics/import_preview.html"
    assert preview.context["counts"] == {"created": 1, "changed": 0, "deleted": 1, "unchanged": 0}
    html = preview.content.decode()
    assert "Numbers to add" in html and "Numbers to delete" in html
    assert "120" in html and "80" in html
    assert Entry.objects.get(node=leads).value == Decimal("80")  # nothing saved yet

    done = confirm(en_client, tree, preview.context["token"])

    assert done.status_code == 302
    assert done.url == reverse("metrics:import-entries", args=[tree.pk])
    assert {(e.week, e.value) for e in Entry.objects.filter(node=leads)} == {(W1, Decimal("120"))}
    assert EntryChange.objects.filter(source="import", user=member).count() == 2
    followed = en_client.get(done.url)
    assert "Imported: 1 added, 0 changed, 1 deleted, 0 unchanged." in followed.content.decode()


def test_a_bad_file_saves_nothing_and_lists_every_error(en_client, tree, member):
    en_client.force_login(member)
    text = (
        "tree,node,week,value\n"
        "fy2026-test,leads,2026-03-31,1\n"
        "fy2026-test,revenue,2026-03-30,1\n"
        "fy2026-test,leads,2026-04-06,１２O\n"
    )

    page = upload(en_client, tree, text)

    html = page.content.decode()
    assert page.status_code == 200
    assert 'role="alert"' in html
    assert "<title>Error: " in html
    assert "Not imported: 3 rows have problems; nothing saved." in html
    assert "Line 2: 2026-03-31 does not start a week; use its Monday (2026-03-30)." in html
    assert "Line 3: revenue is calculated; delete the row." in html
    assert "Line 4: &quot;１２O&quot; is not a number." in html
    assert "Fix them and import again." in html
    assert "token" not in page.context or not page.context.get("token")
    assert not Entry.objects.exists()


def test_an_unreadable_file_is_refused(en_client, tree, member):
    en_client.force_login(member)
    url = reverse("metrics:import-entries", args=[tree.pk])
    page = en_client.post(url, {"file": SimpleUploadedFile("x.csv", "tree,node\n".encode("utf-16"))})
    assert "Not imported: the file has a problem; nothing saved." in page.content.decode()


def test_no_file_is_a_form_error(en_client, tree, member):
    en_client.force_login(member)
    page = en_client.post(reverse("metrics:import-entries", args=[tree.pk]), {})
    assert page.status_code == 200
    assert page.context["form"].errors
    assert 'role="alert"' in page.content.decode()


def test_rows_of_another_department_are_errors(en_client, tree, sales_member):
    en_client.force_login(sales_member)
    text = "tree,node,week,value\nfy2026-test,deals,2026-03-30,3\nfy2026-test,leads,2026-03-30,120\n"

    page = upload(en_client, tree, text)

    assert (
        "Line 3: you cannot enter leads: members of マーケティング部 enter it. Ask them, or delete the row."
        in page.content.decode()
    )
    assert not Entry.objects.exists()


def test_confirm_refuses_get(en_client, tree, member):
    en_client.force_login(member)
    response = en_client.get(reverse("metrics:confirm-import", args=[tree.pk]))
    assert response.status_code == 405


def test_anonymous_people_are_sent_to_log_in(client, tree):
    for name in ("metrics:import-entries", "metrics:export-entries", "metrics:entries-template"):
        response = client.get(reverse(name, args=[tree.pk]))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    response = client.post(reverse("metrics:confirm-import", args=[tree.pk]), {"plan": "x"})
    assert response.status_code == 302
    assert not Entry.objects.exists()


def test_an_unknown_tree_is_404(en_client, member, db):
    en_client.force_login(member)
    assert en_client.get(reverse("metrics:import-entries", args=[999])).status_code == 404
    assert en_client.get(reverse("metrics:export-entries", args=[999])).status_code == 404


def test_a_tampered_token_saves_nothing(en_client, tree, member):
    en_client.force_login(member)
    token = upload(en_client, tree, GOOD).context["token"]
    response = confirm(en_client, tree, token[:-3] + "abc")
    assert response.status_code == 400
    assert "The checked file could not be read back. Choose the file again." in response.content.decode()
    assert not Entry.objects.exists()


def test_a_token_works_only_for_its_person_and_tree(en_client, tree, member, owner):
    en_client.force_login(member)
    token = upload(en_client, tree, GOOD).context["token"]
    en_client.force_login(owner)
    assert confirm(en_client, tree, token).status_code == 400
    assert not Entry.objects.exists()


def test_an_expired_preview_saves_nothing(en_client, tree, member, monkeypatch):
    en_client.force_login(member)
    token = upload(en_client, tree, GOOD).context["token"]
    monkeypatch.setattr("metrics.views.imports.PREVIEW_MAX_AGE", -1)
    response = confirm(en_client, tree, token)
    assert "The check of the file has expired. Choose the file again." in response.content.decode()
    assert not Entry.objects.exists()


def test_confirm_shows_the_preview_again_when_numbers_moved(en_client, tree, member, owner):
    leads = Node.objects.get(code="leads")
    en_client.force_login(member)
    token = upload(en_client, tree, GOOD).context["token"]
    set_entry(leads, W1, Decimal("99"), user=owner, source="grid")  # saved in the grid meanwhile

    response = confirm(en_client, tree, token)

    assert response.status_code == 200
    assert response.context["changed_since"]
    assert response.context["counts"]["changed"] == 1
    assert "changed by someone else" in response.content.decode()
    assert Entry.objects.get(node=leads).value == Decimal("99")
    assert not EntryChange.objects.filter(source="import").exists()


def test_a_file_that_changes_nothing_has_no_import_button(en_client, tree, member):
    en_client.force_login(member)
    page = upload(en_client, tree, "tree,node,week,value\nfy2026-test,leads,2026-03-30,\n")
    assert not page.context["has_changes"]
    assert reverse("metrics:confirm-import", args=[tree.pk]) not in page.content.decode()


def test_everyone_signed_in_may_download(en_client, tree, viewer):
    set_entry(Node.objects.get(code="leads"), W1, Decimal("12.5"), user=None, source="admin")
    en_client.force_login(viewer)

    response = en_client.get(reverse("metrics:export-entries", args=[tree.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="fy2026-test-entries.csv"'
    assert response.content.startswith(b"\xef\xbb\xbftree,node,week,value\r\n")
    assert b"fy2026-test,leads,2026-03-30,12.5\r\n" in response.content

    response = en_client.get(reverse("metrics:entries-template", args=[tree.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="fy2026-test-template.csv"'
    assert response.content.count(b"\r\n") == 1 + 3 * 52


def test_the_token_holds_the_file_compressed(en_client, tree, member):
    """The preview keeps the file in the form, not on the server: large files must still fit a POST."""
    en_client.force_login(member)
    text = "tree,node,week,value\n" + "".join(f"fy2026-test,leads,{week},{i}\n" for i, week in enumerate(tree.weeks))
    token = upload(en_client, tree, text).context["token"]
    assert signing.loads(token, salt="metrics.import-entries")["text"] == text
    assert len(token) < len(text)


def _preview_queries(client, tree, rows):
    text = "tree,node,week,value\n" + "".join(
        f"fy2026-test,leads,{week},{i}\n" for i, week in enumerate(tree.weeks[:rows])
    )
    with CaptureQueriesContext(connection) as queries:
        response = upload(client, tree, text)
    assert response.context["counts"]["created"] == rows
    return len(queries)


def test_the_preview_takes_the_same_queries_for_5_and_50_rows(en_client, tree, member):
    en_client.force_login(member)
    assert _preview_queries(en_client, tree, 5) == _preview_queries(en_client, tree, 50)


def test_the_downloads_take_the_same_queries_for_a_small_and_a_full_tree(en_client, tree, member):
    en_client.force_login(member)
    url = reverse("metrics:export-entries", args=[tree.pk])
    leads = Node.objects.get(code="leads")
    set_entry(leads, W1, Decimal("1"), user=None, source="admin")
    with CaptureQueriesContext(connection) as small:
        en_client.get(url)
    for week in tree.weeks:
        set_entry(leads, week, Decimal("2"), user=None, source="admin")
    with CaptureQueriesContext(connection) as full:
        en_client.get(url)
    assert len(small) == len(full)
