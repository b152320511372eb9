import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from goals.models import Tree
from goals.treefile import export_tree
from metrics.models import Entry
from tests.goals.helpers import login, recorded

pytestmark = pytest.mark.usefixtures("english")


def _upload(data, name="tree.json"):
    content = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


def _new_file(code="fy2027-new"):
    return {
        "code": code,
        "name": "FY2027 新規",
        "period": {"start": "2027-04-01", "end": "2028-03-31"},
        "nodes": [
            {"code": "revenue", "name": "売上", "parent": None, "formula": "deals * 2", "target": "10"},
            {"code": "deals", "name": "受注", "parent": "revenue", "target": "5"},
        ],
    }


# Export


def test_everyone_signed_in_downloads_the_tree_file(client, viewer, tree):
    response = login(client, viewer).get(reverse("goals:tree-export", args=[tree.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="fy2026-test.json"'
    assert json.loads(response.content) == export_tree(tree)


def test_export_needs_a_login_and_an_existing_tree(client, viewer, tree):
    response = client.get(reverse("goals:tree-export", args=[tree.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert login(client, viewer).get(reverse("goals:tree-export", args=[999])).status_code == 404


# Import


def test_a_lead_sees_the_import_page_and_others_get_403(client, owner, member, viewer):
    assert login(client, owner).get(reverse("goals:tree-import")).status_code == 200
    assert login(client, member).get(reverse("goals:tree-import")).status_code == 403
    assert login(client, viewer).post(reverse("goals:tree-import-save"), {}).status_code == 403


def test_import_needs_a_login(client):
    response = client.get(reverse("goals:tree-import"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(reverse("goals:tree-import-save")).status_code == 302


def test_the_save_url_refuses_get(client, owner):
    assert login(client, owner).get(reverse("goals:tree-import-save")).status_code == 405


def test_a_lead_imports_a_new_tree_for_their_department(client, owner, marketing):
    response = login(client, owner).post(
        reverse("goals:tree-import-save"), {"file": _upload(_new_file()), "department": marketing.pk}
    )
    tree = Tree.objects.get(code="fy2027-new")
    assert response.status_code == 302 and response["Location"] == reverse("goals:tree-detail", args=[tree.pk])
    assert tree.department == marketing and tree.nodes.count() == 2
    assert recorded(tree, user=owner, action="import")


def test_a_new_tree_needs_a_department_the_person_leads(client, owner, sales):
    client = login(client, owner)
    response = client.post(reverse("goals:tree-import-save"), {"file": _upload(_new_file())})
    assert response.status_code == 400
    assert "Choose the department that owns it" in response.content.decode()
    response = client.post(reverse("goals:tree-import-save"), {"file": _upload(_new_file()), "department": sales.pk})
    assert response.status_code == 400  # sales is not led by this person
    assert not Tree.objects.filter(code="fy2027-new").exists()


def test_an_invalid_file_is_refused_with_every_error_and_nothing_saved(client, owner, marketing):
    data = _new_file()
    data["nodes"][1]["target"] = "lots"
    data["nodes"].append({"code": "x", "name": "X", "parent": "nowhere"})
    response = login(client, owner).post(
        reverse("goals:tree-import-save"), {"file": _upload(data), "department": marketing.pk}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Error: " in html  # the title prefix
    assert "it has 2 problems, so nothing was saved" in html
    assert "Node deals, target: “lots” is not a number" in html
    assert "Node x, parent:" in html
    assert not Tree.objects.filter(code="fy2027-new").exists()


def test_a_file_that_is_not_json_is_refused(client, owner, marketing):
    response = login(client, owner).post(
        reverse("goals:tree-import-save"), {"file": _upload(b"\x89PNG..."), "department": marketing.pk}
    )
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode() or "not JSON" in response.content.decode()


def test_replacing_a_tree_needs_the_box_ticked_and_keeps_entries(client, owner, tree):
    deals = tree.nodes.get(code="deals")
    Entry.objects.create(node=deals, week=date(2026, 4, 6), value=Decimal(4))
    data = export_tree(tree)
    data["nodes"][1]["target"] = "260"
    client = login(client, owner)
    response = client.post(reverse("goals:tree-import-save"), {"file": _upload(data)})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    deals.refresh_from_db()
    assert deals.target == Decimal(240)

    response = client.post(reverse("goals:tree-import-save"), {"file": _upload(data), "replace": "on"})
    assert response.status_code == 302
    deals.refresh_from_db()
    assert deals.target == Decimal(260) and deals.entries.count() == 1


def test_replacing_a_tree_the_person_cannot_edit_is_forbidden(client, other_lead, tree):
    data = export_tree(tree)
    data["nodes"][1]["target"] = "1"
    response = login(client, other_lead).post(
        reverse("goals:tree-import-save"), {"file": _upload(data), "replace": "on"}
    )
    assert response.status_code == 403
    assert tree.nodes.get(code="deals").target == Decimal(240)


# New tree from a template


@time_machine.travel(date(2026, 5, 10))
def test_the_template_page_offers_the_templates_and_the_next_fiscal_year(client, owner, marketing):
    response = login(client, owner).get(reverse("goals:tree-from-template"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "B2Bマーケティングファネル" in html and "インサイドセールス" in html
    form = response.context["form"]
    assert form.initial["period_start"] == date(2027, 4, 1) and form.initial["period_end"] == date(2028, 3, 31)
    assert form.initial["department"] == marketing


@time_machine.travel(date(2026, 3, 10))
def test_before_april_the_next_fiscal_year_starts_this_april(client, owner):
    response = login(client, owner).get(reverse("goals:tree-from-template"))
    assert response.context["form"].initial["period_start"] == date(2026, 4, 1)


def test_a_lead_creates_a_tree_from_a_template(client, owner, marketing):
    response = login(client, owner).post(
        reverse("goals:tree-from-template-save"),
        {
            "template": "inside_sales",
            "code": "",
            "name": "",
            "period_start": "2027-04-01",
            "period_end": "2028-03-31",
            "department": marketing.pk,
        },
    )
    tree = Tree.objects.get(code="fy2027-inside-sales")
    assert response.status_code == 302 and response["Location"] == reverse("goals:tree-detail", args=[tree.pk])
    assert tree.name == "FY2027 インサイドセールス" and tree.department == marketing
    assert tree.nodes.get(parent=None).code == "opportunities"


def test_the_template_form_refuses_bad_input_and_saves_nothing(client, owner, marketing, tree):
    response = login(client, owner).post(
        reverse("goals:tree-from-template-save"),
        {
            "template": "nope",
            "code": tree.code,
            "name": "x",
            "period_start": "2027-04-01",
            "period_end": "2027-01-01",
            "department": marketing.pk,
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"template", "code", "period_end"}
    assert "already exists" in form.errors["code"][0]
    html = response.content.decode()
    assert 'value="x"' in html  # what was typed stays
    assert Tree.objects.count() == 1


def test_only_leads_and_admins_create_trees_from_templates(client, member, admin, marketing):
    assert login(client, member).get(reverse("goals:tree-from-template")).status_code == 403
    data = {"template": "b2b_funnel", "period_start": "2027-04-01", "period_end": "2028-03-31"}
    assert login(client, member).post(reverse("goals:tree-from-template-save"), data).status_code == 403
    assert login(client, admin).get(reverse("goals:tree-from-template")).status_code == 200
    response = client.post(reverse("goals:tree-from-template-save"), {**data, "department": marketing.pk})
    assert response.status_code == 302 and Tree.objects.filter(code="fy2027-b2b-funnel").exists()
    assert client.get(reverse("goals:tree-from-template-save")).status_code == 405
