"""The demo workspace's conversation (manage.py load_demo): questions between departments, a reply and an answer,
mentions of a person and of a department, an agreed (and a not yet agreed) hand-off definition, action items of
the weekly review, and a guest advisor invited to the tree. Development only."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from goals.access import access_for
from goals.discussion import agreements, threads
from goals.models import ActionItem, Comment, Department, Guest, Notice

GUEST = ("yamamoto", "山本", "健一", "株式会社マーケティング支援（外部アドバイザー）")


def _node(tree, *codes):
    """The first of the nodes `codes` the tree has (the demo tree's codes may change), or None."""
    nodes = {node.code: node for node in tree.nodes.active().select_related("department", "parent")}
    return next((nodes[code] for code in codes if code in nodes), None)


def _post(node, author, body, *, hours_ago, **options):
    posted = threads.post(node, author, body, access_for(author), **options)
    moment = timezone.now() - timedelta(hours=hours_ago)
    Comment.objects.filter(pk=posted.comment.pk).update(created_at=moment)
    Notice.objects.filter(comment=posted.comment).update(created_at=moment)
    return posted.comment


def load(tree, password):
    """Add the demo conversation to `tree`; the people are the demo's (load_demo)."""
    User = get_user_model()
    people = {user.username: user for user in User.objects.all()}
    departments = {department.name: department for department in Department.objects.all()}
    username, last, first, organisation = GUEST
    advisor = User.objects.create_user(
        username=username, password=password, last_name=last, first_name=first, email=f"{username}@example.com"
    )
    guest = Guest.objects.create(user=advisor, organisation=organisation)
    guest.trees.add(tree)

    week = tree.last_complete_week()
    mqls = _node(tree, "mqls", "leads")
    opportunities = _node(tree, "opportunities", "deals")
    leads = _node(tree, "leads", "sessions")
    deals = _node(tree, "deals")
    marketing = departments.get("マーケティング部")
    inside_sales = departments.get("インサイドセールス部")
    field_sales = departments.get("フィールドセールス部")

    if mqls is not None and marketing is not None:
        _post(
            mqls,
            people["takahashi"],
            "先週のMQL数が大きく伸びていますが、展示会で集めた名刺の取り込み分は含まれていますか？\n"
            "含まれている場合、SQL化率の見方が変わるので確認させてください。",
            hours_ago=20,
            week=week if week in tree.weeks else None,
            to_department=marketing,
        )
    if opportunities is not None and inside_sales is not None:
        question = _post(
            opportunities,
            people["ito"],
            "商談数の定義について確認です。初回商談がキャンセルになった案件は除外していますか？",
            hours_ago=70,
            to_department=inside_sales,
        )
        reply = _post(
            opportunities,
            people["sato"],
            "はい、除外しています。SFAで「商談化」になったものだけを数えています。定義にも追記しました。",
            hours_ago=50,
            parent=question,
        )
        threads.answer(question, people["sato"])
        Comment.objects.filter(pk=question.pk).update(answered_at=reply.created_at)
    if leads is not None:
        _post(
            leads,
            people["suzuki"],
            "@田中 セミナー経由のリードが想定より少ないです。来週の定例で施策を相談させてください。\n"
            "集計: https://example.com/reports/seminar-leads",
            hours_ago=6,
            week=week if week in tree.weeks else None,
        )
    if deals is not None and field_sales is not None:
        thread = _post(
            deals,
            people["tanaka"],
            "@フィールドセールス部 今月の受注見込みを定例の前に共有してもらえますか？",
            hours_ago=3,
        )
        _post(
            deals,
            advisor,
            "見込みの確度（A/B/C）も一緒に出していただけると、受注件数の目標の妥当性を確認しやすいです。",
            hours_ago=1,
            parent=thread,
        )
    if mqls is not None and marketing is not None and mqls.department_id == marketing.pk:
        agreements.agree(mqls, marketing, people["tanaka"])

    previous = week - timedelta(days=7)
    if previous in tree.weeks:
        ActionItem.objects.create(
            tree=tree,
            week=previous,
            text="展示会リードのMQL判定基準をインサイドセールス部とすり合わせる",
            owner=people["tanaka"],
            due_date=week + timedelta(days=4),
            created_by=people["tanaka"],
        )
        ActionItem.objects.create(
            tree=tree,
            week=previous,
            text="セミナー集客のLPを改善する",
            owner=people["suzuki"],
            due_date=previous + timedelta(days=4),
            created_by=people["tanaka"],
            done_at=timezone.now() - timedelta(days=3),
            done_week=previous,
        )
    if week in tree.weeks:
        ActionItem.objects.create(
            tree=tree,
            week=week,
            text="受注見込みの確度をA/B/Cで共有する",
            owner=people["ito"],
            due_date=week + timedelta(days=11),
            created_by=people["sato"],
        )
    return advisor
