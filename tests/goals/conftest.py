"""Fixtures shared by the goals tests (the people, departments and `tree` are in tests/conftest.py)."""

import pytest
from django.utils import translation

from goals.models import Department, Membership


@pytest.fixture
def english():
    """Messages in English, the source text. Modules that assert on wording use it for every test:
    pytestmark = pytest.mark.usefixtures("english")."""
    with translation.override("en"):
        yield


@pytest.fixture
def english_pages(client):
    """Pages in English for the test client (the language cookie), for modules that read the pages' wording."""
    client.cookies["django_language"] = "en"


@pytest.fixture
def other_lead(django_user_model):
    """A lead of 人事部, a department with no part in the shared tree: leads trees, but not that one."""
    hr = Department.objects.create(name="人事部")
    lead = django_user_model.objects.create_user("hrlead", password="x", last_name="人事")
    Membership.objects.create(user=lead, department=hr, role=Membership.Role.LEAD)
    return lead
