"""The demo workspace: three departments, one person per role, a guest advisor, and an FY2026 funnel tree with
numbers and a conversation about them (questions, replies, agreements, action items).

Runs once: a second call sees the demo people and changes nothing. Development only: the
passwords are printed.
"""

import random
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from goals.discussion import demo as discussion_demo
from goals.models import Department, Membership, Node, Tree
from goals.treefile import create_tree_from_template
from metrics import demo_last_period
from metrics.models import Entry, EntryChange

DEMO_PASSWORD = "goaltree-demo"
DEPARTMENTS = ["マーケティング部", "インサイドセールス部", "フィールドセールス部"]
# username, family name, given name, department, role, staff, what they can do
PEOPLE = [
    ("admin", "管理", "花子", None, None, True, "workspace admin: manages departments, people and every tree"),
    ("tanaka", "田中", "一郎", "マーケティング部", "lead", False, "lead of marketing: edits the tree, enters numbers"),
    ("suzuki", "鈴木", "次郎", "マーケティング部", "member", False, "member of marketing: enters marketing numbers"),
    ("sato", "佐藤", "美咲", "インサイドセールス部", "lead", False, "lead of inside sales"),
    ("takahashi", "高橋", "健", "インサイドセールス部", "member", False, "member of inside sales"),
    ("ito", "伊藤", "直子", "フィールドセールス部", "member", False, "member of field sales: enters deals"),
    ("viewer", "閲覧", "太郎", None, None, False, "in no department: sees everything, changes nothing"),
]
TREE_CODE = "fy2026-marketing-sales"
# Never left out in the demo: formulas (rates, revenue, costs per lead and deal) need every week of them.
ALWAYS_ENTERED = ("sessions", "leads", "mqls", "sqls", "opportunities", "deals", "avg_deal_size", "ad_cost")


class Command(BaseCommand):
    help = "Load the demo workspace once (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-if-loaded", action="store_true", help="Print nothing when already loaded.")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo prints passwords; run it with DEBUG=true only.")
        User = get_user_model()
        if User.objects.filter(username="tanaka").exists():
            self.stdout.write("The demo workspace is already loaded; nothing changed.")
        else:
            with transaction.atomic():
                self._load(User)
            self.stdout.write(self.style.SUCCESS("Loaded the demo workspace."))
        self._print_logins()

    def _load(self, User):
        departments = {}
        for position, name in enumerate(DEPARTMENTS, start=1):
            departments[name], _created = Department.objects.get_or_create(name=name, defaults={"position": position})
        for username, last, first, department, role, staff, _what in PEOPLE:
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                last_name=last,
                first_name=first,
                email=f"{username}@example.com",
                is_staff=staff,
                is_superuser=staff,
            )
            if department:
                Membership.objects.create(user=user, department=departments[department], role=role)
        tree = self._tree(departments)
        self._entries(tree)
        demo_last_period.load(tree)  # FY2025 as the tree's last period, and one mistyped number
        # Questions, replies, mentions, agreements, action items and a guest advisor (goals.discussion.demo).
        discussion_demo.load(tree, DEMO_PASSWORD)

    def _tree(self, departments):
        return create_tree_from_template(
            "b2b_funnel",
            code=TREE_CODE,
            name="FY2026 マーケティング・営業",
            period_start=date(2026, 4, 1),
            period_end=date(2027, 3, 31),
            department=departments["マーケティング部"],
        )

    def _entries(self, tree):
        """Weekly numbers up to the last complete week. The funnel's counts follow one another through rates near
        their targets (so the computed rates are plausible and consistent); other entered nodes are near each
        week's share of the target, with noise."""
        rng = random.Random(2026)
        last = tree.last_complete_week()
        weeks = [w for w in tree.weeks if w <= last]
        people = {m.department_id: m.user for m in Membership.objects.select_related("user")}
        nodes = {node.code: node for node in Node.objects.filter(tree=tree).active()}
        entries = []
        count = len(tree.weeks)
        for i, week in enumerate(weeks):
            # Marketing starts slow and improves; sales runs a little behind.
            trend = Decimal("0.88") + Decimal(i) / Decimal(count) * Decimal("0.25")
            values = self._funnel_week(nodes, trend, rng, count)
            for code, node in nodes.items():
                if node.is_formula or node.target is None:
                    continue
                if code in values:
                    value = values[code]
                else:
                    base = node.target / count if node.aggregation == Node.Aggregation.SUM else node.target
                    noise = Decimal(str(round(rng.uniform(0.9, 1.1), 3)))
                    value = base * (trend * noise if node.direction == Node.Direction.HIGHER else (2 - trend) * noise)
                if value is None:
                    continue
                # Counts and yen are whole numbers; only percentages carry a decimal.
                value = value.quantize(Decimal("0.1") if node.unit in ("%", "％") else Decimal("1"))
                if rng.random() < 0.02 and i < len(weeks) - 1 and code not in ALWAYS_ENTERED:
                    continue  # a few missing weeks, as in real life
                entries.append(Entry(node=node, week=week, value=value, updated_by=people.get(node.department_id)))
        Entry.objects.bulk_create(entries)
        # The demo's numbers arrive as one import, so every value has its history like real ones.
        EntryChange.objects.bulk_create(
            EntryChange(
                node=e.node, week=e.week, new_value=e.value, user=e.updated_by, source=EntryChange.Source.IMPORT
            )
            for e in entries
        )
        Tree.bump_data_version(tree.pk)

    @staticmethod
    def _funnel_week(nodes, trend, rng, count):
        """One week of the funnel's counts: sessions near the weekly target, each later count from the one before
        it at a rate near the rate's target (the demo's rates then come out near their targets)."""
        if "sessions" not in nodes or nodes["sessions"].target is None:
            return {}

        def rate(code, default):
            node = nodes.get(code)
            target = node.target if node is not None and node.target is not None else Decimal(default)
            return target / 100 * Decimal(str(round(rng.uniform(0.85, 1.12), 3)))

        values = {"sessions": (nodes["sessions"].target / count * trend).quantize(Decimal("1"))}
        values["leads"] = (values["sessions"] * rate("cvr", 2)).quantize(Decimal("1"))
        values["mqls"] = (values["leads"] * rate("mql_rate", 40)).quantize(Decimal("1"))
        values["sqls"] = (values["mqls"] * rate("sql_rate", 50)).quantize(Decimal("1"))
        values["opportunities"] = (values["sqls"] * rate("opp_rate", 60)).quantize(Decimal("1"))
        values["deals"] = (values["opportunities"] * rate("win_rate", 25) * trend).quantize(Decimal("1"))
        if "avg_deal_size" in nodes and nodes["avg_deal_size"].target is not None:
            size = nodes["avg_deal_size"].target * Decimal(str(round(rng.uniform(0.85, 1.1), 3)))
            values["avg_deal_size"] = size.quantize(Decimal("1000"))
        return {code: value for code, value in values.items() if code in nodes}

    def _print_logins(self):
        self.stdout.write("")
        self.stdout.write("Demo logins (development only), password for everyone: " + DEMO_PASSWORD)
        for username, last, first, _department, _role, _staff, what in PEOPLE:
            self.stdout.write(f"  {username:<10} {last} {first}: {what}")
        username, last, first, _organisation = discussion_demo.GUEST
        self.stdout.write(
            f"  {username:<10} {last} {first}: guest (external advisor): sees and comments on the demo tree only"
        )
