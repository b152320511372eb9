"""Fixtures shared by the goals tests (the people, departments, `tree`, `nodes` and the English fixtures are in
tests/conftest.py)."""

import pytest

from goals.models import Department, Membership


@pytest.fixture
def other_lead(django_user_model):
    """A lead of 人事部, a department with no part in the shared tree: leads trees, but not that one."""
    hr = Department.objects.create(name="人事部")
    lead = django_user_model.objects.create_user("hrlead", password="x", last_name="人事")
    Membership.objects.create(user=lead, department=hr, role=Membership.Role.LEAD)
    return lead
