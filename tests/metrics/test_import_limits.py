"""The entries import under hostile input: size limits before reading, a capped error list, who may import."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from goals.models import Department, Membership
from metrics import csvfiles
from metrics.models import Entry, EntryChange

pytestmark = pytest.mark.django_db

HEADER = "tree,node,week,value"


@pytest.fixture
def en_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _url(tree):
    return reverse("metrics:import-entries", args=[tree.pk])


def upload(client, tree, data: bytes, **extra):
    return client.post(_url(tree), {"file": SimpleUploadedFile("n.csv", data, content_type="text/csv")}, **extra)


def bad_weeks(count, node="leads"):
    """`count` rows whose only problem is a week that is not a date (one error each)."""
    return [f"fy2026-test,{node},week-{index},1" for index in range(count)]


def csv_bytes(lines):
    return ("\r\n".join(lines) + "\r\n").encode()


# --- the error list ---------------------------------------------------------------------------------------


def test_the_plan_keeps_the_first_100_errors_by_line_and_counts_the_rest(tree, sales_member):
    # Lines 2-51: leads, which a sales member may not enter (found in the plan's last pass);
    # lines 52-251: weeks that are not dates (found row by row).
    weeks = [date(2026, 3, 30).toordinal() + 7 * i for i in range(50)]
    lines = [HEADER, *(f"fy2026-test,leads,{date.fromordinal(day).isoformat()},5" for day in weeks), *bad_weeks(200)]
    with translation.override("en"):
        plan = csvfiles.build_plan("\n".join(lines), user=sales_member)
        assert plan.error_count == 250
        assert plan.error_line_count == 250
        assert len(plan.errors) == csvfiles.MAX_SHOWN_ERRORS == 100
        assert plan.hidden_error_count == 150
        assert [error.line for error in plan.errors] == list(range(2, 102))
        assert str(plan.errors[0]).startswith("Line 2: you cannot enter leads")
        assert str(plan.errors[-1]) == (
            'Line 101: "week-49" is not a date. Write the week as year-month-day, such as 2026-03-30.'
        )
        assert plan.summary() == "Not imported: 250 rows have problems; nothing saved."
        assert plan.hidden_errors_message() == (
            "150 more problems are not listed here. Fix the ones above, then check the file again to see them."
        )
        report = plan.error_report().splitlines()
        assert len(report) == 1 + 100 + 2
        assert report[-2].startswith("150 more problems")
    with translation.override("ja"):
        assert plan.summary() == "CSVを取り込めませんでした。250行に誤りがあるため、何も保存していません。"
        assert plan.hidden_errors_message() == (
            "ほかに150件の誤りがありますが、ここには表示していません。上の誤りを修正してから、もう一度ファイルを確認してください。"
        )


def test_a_few_errors_are_all_listed_without_a_count_of_more(tree, admin):
    with translation.override("en"):
        plan = csvfiles.build_plan("\n".join([HEADER, *bad_weeks(3)]), user=admin)
    assert plan.error_count == 3 and len(plan.errors) == 3
    assert plan.hidden_error_count == 0
    assert plan.hidden_errors_message() == ""


def test_two_megabytes_of_bad_rows_give_a_short_page_with_the_count(en_client, tree, member):
    lines = [HEADER]
    size = len(HEADER) + 2
    while True:
        line = bad_weeks(1)[0].replace("week-0", f"week-{len(lines)}")
        if size + len(line) + 2 > csvfiles.MAX_FILE_BYTES:
            break
        lines.append(line)
        size += len(line) + 2
    rows = len(lines) - 1
    en_client.force_login(member)

    page = upload(en_client, tree, csv_bytes(lines))

    assert page.status_code == 200
    html = page.content.decode()
    assert len(page.content) < 100_000  # 100 listed problems, not tens of thousands
    assert html.count("<li>Line ") == 100
    assert f"Not imported: {rows:,} rows have problems; nothing saved." in html
    assert f"{rows - 100:,} more problems are not listed here." in html
    assert not Entry.objects.exists()


def test_the_command_line_lists_the_first_100_and_the_count(tree, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([HEADER, *bad_weeks(130)]))
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command("import_entries", str(path))
    message = str(raised.value)
    assert message.count("is not a date") == 100
    assert "30 more problems are not listed here." in message


# --- the size limit -------------------------------------------------------------------------------------


class _Unreadable:
    """A request body that must not be read."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read


def test_a_request_larger_than_the_limit_is_refused_unread(en_client, tree, member):
    en_client.force_login(member)
    response = en_client.post(
        _url(tree),
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
        **{"wsgi.input": _Unreadable()},
    )
    assert response.status_code == 413
    assert "The file is larger than 2 MB. Split it into smaller files" in response.content.decode()


def test_a_file_one_byte_over_the_limit_stops_the_read_at_the_limit(en_client, tree, member, monkeypatch):
    received = []
    real = csvfiles.plan_from_bytes
    monkeypatch.setattr(csvfiles, "plan_from_bytes", lambda data, **kw: received.append(data) or real(data, **kw))
    en_client.force_login(member)
    body = (HEADER + "\n").encode() + b"x" * (csvfiles.MAX_FILE_BYTES - len(HEADER))  # limit + 1 bytes
    assert len(body) == csvfiles.MAX_FILE_BYTES + 1

    response = upload(en_client, tree, body)

    assert response.status_code == 413
    assert "The file is larger than 2 MB." in response.content.decode()
    assert received == []  # never planned


def test_a_file_at_the_limit_is_read_and_checked(en_client, tree, member):
    en_client.force_login(member)
    body = csv_bytes([HEADER, *bad_weeks(3)])
    room = csvfiles.MAX_FILE_BYTES - len(body)
    body += (b" " * 998 + b"\r\n") * (room // 1000) + b" " * (room % 1000)  # blank lines fill it to the byte
    assert len(body) == csvfiles.MAX_FILE_BYTES
    response = upload(en_client, tree, body)
    assert response.status_code == 200
    assert "Not imported: 3 rows have problems; nothing saved." in response.content.decode()


def test_the_upload_still_needs_its_csrf_token(tree, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = upload(client, tree, csv_bytes([HEADER, "fy2026-test,leads,2026-03-30,120"]))
    assert response.status_code == 403
    assert not Entry.objects.exists()


# --- who may import -------------------------------------------------------------------------------------


@pytest.fixture
def finance_member(django_user_model):
    """A member of a department that owns no node of the tree."""
    finance = Department.objects.create(name="経理部", position=3)
    user = django_user_model.objects.create_user(username="kato", password="pw-kato", last_name="加藤")
    Membership.objects.create(user=user, department=finance)
    return user


GOOD = csv_bytes([HEADER, "fy2026-test,leads,2026-03-30,120"])


@pytest.mark.parametrize("person", ["viewer", "finance_member"])
def test_people_who_enter_none_of_the_trees_numbers_may_not_import(en_client, tree, member, person, request):
    # A real preview token, made by a member, replayed by the other person: refused as well.
    en_client.force_login(member)
    token = upload(en_client, tree, GOOD).context["token"]
    en_client.force_login(request.getfixturevalue(person))

    page = en_client.get(_url(tree))
    assert page.status_code == 403
    assert "You cannot import numbers into this tree" in page.content.decode()
    assert upload(en_client, tree, GOOD).status_code == 403
    confirm = en_client.post(reverse("metrics:confirm-import", args=[tree.pk]), {"plan": token})
    assert confirm.status_code == 403
    assert not Entry.objects.exists()
    assert not EntryChange.objects.exists()
    # Downloading stays open to everyone signed in.
    assert en_client.get(reverse("metrics:entries-template", args=[tree.pk])).status_code == 200


def test_members_of_an_entering_department_and_admins_may_import(en_client, tree, sales_member, admin):
    for person in (sales_member, admin):
        en_client.force_login(person)
        assert en_client.get(_url(tree)).status_code == 200


def test_an_unknown_tree_is_404_before_anything_else(en_client, viewer, db):
    en_client.force_login(viewer)
    assert en_client.get(reverse("metrics:import-entries", args=[999])).status_code == 404
    assert en_client.post(reverse("metrics:confirm-import", args=[999]), {"plan": "x"}).status_code == 404


def test_the_grid_links_to_the_import_only_for_people_who_may_import(en_client, tree, member, viewer):
    link = f'href="{_url(tree)}"'
    en_client.force_login(member)
    assert link in en_client.get(reverse("metrics:grid"), {"tree": tree.pk}).content.decode()
    en_client.force_login(viewer)
    assert link not in en_client.get(reverse("metrics:grid"), {"tree": tree.pk, "show": "all"}).content.decode()
