from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from goals import history
from goals.models import ChangeAction, Department, Membership, Node, Tree


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: ids repeat after a rollback, so results kept by an earlier test
    (metrics.progress keys them by tree id and data version) could otherwise meet a later test's data."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def english():
    """Messages in English, the source text. Modules that assert on wording use it for every test:
    pytestmark = pytest.mark.usefixtures("english")."""
    with translation.override("en"):
        yield


@pytest.fixture
def english_pages(client):
    """Pages in English for the test client (its Accept-Language, so that a request can still ask for another
    language with its own header or the language cookie), for modules that read the pages' wording."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def nodes(tree):
    """The fixture tree's nodes by code (modules that add nodes define their own)."""
    return {node.code: node for node in tree.nodes.all()}


@pytest.fixture
def marketing(db):
    return Department.objects.create(name="マーケティング部", position=1)


@pytest.fixture
def sales(db):
    return Department.objects.create(name="営業部", position=2)


def _person(django_user_model, username, last_name, department=None, role=Membership.Role.MEMBER, **extra):
    user = django_user_model.objects.create_user(
        username=username, password="pw-" + username, last_name=last_name, **extra
    )
    if department is not None:
        Membership.objects.create(user=user, department=department, role=role)
    return user


@pytest.fixture
def owner(django_user_model, marketing):
    """A lead of marketing: changes the structure of marketing's trees, enters marketing's numbers."""
    return _person(django_user_model, "tanaka", "田中", marketing, Membership.Role.LEAD)


@pytest.fixture
def member(django_user_model, marketing):
    """A member of marketing: enters marketing's numbers."""
    return _person(django_user_model, "suzuki", "鈴木", marketing)


@pytest.fixture
def sales_member(django_user_model, sales):
    """A member of sales: enters sales numbers only."""
    return _person(django_user_model, "sato", "佐藤", sales)


@pytest.fixture
def viewer(django_user_model):
    """Signed in, in no department: sees everything, changes nothing."""
    return _person(django_user_model, "viewer", "閲覧")


@pytest.fixture
def admin(django_user_model):
    return _person(django_user_model, "admin", "管理", is_staff=True, is_superuser=True)


@pytest.fixture
def tree(db, marketing, sales):
    """A small funnel: revenue = deals * avg_deal_size; deals <- leads; win_rate = deals / leads.

    Its history starts here (baseline rows, as for the trees that existed when field history began), so that a
    test sees only the changes it makes."""
    with history.recorded_as(None, ChangeAction.BASELINE):
        return _funnel(marketing, sales)


def _funnel(marketing, sales):
    tree = Tree.objects.create(
        code="fy2026-test",
        name="FY2026 テスト",
        department=marketing,
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
    )
    revenue = Node.objects.create(
        tree=tree,
        code="revenue",
        name="売上",
        unit="円",
        formula="deals * avg_deal_size",
        aggregation="sum",
        target=Decimal("120000000"),
        department=sales,
        definition="受注金額（税抜）の合計",
    )
    deals = Node.objects.create(
        tree=tree,
        parent=revenue,
        code="deals",
        name="受注件数",
        unit="件",
        target=Decimal("240"),
        department=sales,
        definition="契約書の締結数",
        position=1,
    )
    Node.objects.create(
        tree=tree,
        parent=revenue,
        code="avg_deal_size",
        name="平均受注単価",
        unit="円",
        aggregation="average",
        target=Decimal("500000"),
        department=sales,
        definition="受注金額÷受注件数",
        position=2,
    )
    Node.objects.create(
        tree=tree,
        parent=deals,
        code="leads",
        name="リード数",
        unit="件",
        target=Decimal("2400"),
        department=marketing,
        definition="フォーム送信で獲得した新規リード",
        position=1,
    )
    return tree
