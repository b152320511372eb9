"""python manage.py bench [--runs N] [--profile] [--only engine]  (make bench; docs/performance.md)

Builds a large workspace in a scratch database that the command creates, migrates and deletes itself
(Django's test-database machinery: a temporary SQLite file, or `test_<name>` beside the database of
DATABASE_URL), so it never touches the developer's data. Then, in the same process, it requests pages
with the Django test client against the running app code and prints a markdown table: the queries and the
median and 95th-percentile server time of each page, beside a trivial page (the login page) as the floor,
and the progress engine alone on the large tree.

The large workspace: one tree of 200 nodes over a three-year period (156 weeks, every measured node with
an entry every week), plus 20 other trees of 15 nodes over the current fiscal year with 30 weeks of
entries, in 5 departments.

`--only engine` builds the large tree alone and times only the engine (and loading it), for iterating on
the engine.

The run keys what it keeps in the cache with a release of its own (settings.RELEASE + "+bench-…"), so that a
shared Redis never gives it another database's results, nor them its own.
"""

import cProfile
import io
import pstats
import random
import statistics
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import Department, Membership, Node, Tree
from goals.periods import fiscal_year, fiscal_year_dates, period_weeks
from metrics.engine import compute
from metrics.models import Entry
from metrics.progress import load_tree

BIG_PERIOD = (date(2023, 4, 1), date(2026, 3, 31))  # 156 weeks, all in the past: as of its last week
OTHER_TREES = 20
OTHER_SIZE = 15
OTHER_ENTRY_WEEKS = 30
DEPARTMENTS = 5
WEEKLY_CHANNEL = Decimal(100)
PRICE = Decimal(10000)


def build_tree(code, size, *, period, departments, entry_weeks=None, seed=0, name=None):
    """A tree of exactly `size` nodes (at least 4) whose KGI sums groups of `deals * price`, with entries.

    KGI `revenue` = g1 + g2 + … (one group per 20 nodes); each `g<i>` = `d<i> * p<i>`; `d<i>` sums its measured
    channels `m<i>_<j>`; `p<i>` is a measured average; every fifth further node is a driver `x…` under a
    channel. Every measured node gets an entry for each of the first `entry_weeks` weeks (default: all).
    Returns the tree. Uses bulk inserts: a few queries per level, whatever the size.
    """
    if size < 4:
        raise ValueError("a tree needs at least 4 nodes: the KGI, a group, its deals and its price")
    rng = random.Random(seed)
    start, end = period
    tree = Tree.objects.create(
        code=code, name=name or code, department=departments[0], period_start=start, period_end=end
    )
    weeks = period_weeks(start, end, tree.week_start)
    n_weeks = len(weeks)
    groups = max(1, size // 20)
    while 1 + 3 * groups + groups > size:  # each group needs g, d, p and one channel
        groups -= 1
    extra = size - 1 - 3 * groups
    channels = {i: [] for i in range(1, groups + 1)}
    drivers = {i: [] for i in range(1, groups + 1)}
    for k in range(extra):
        i = k % groups + 1
        if k >= groups and k % 5 == 4 and channels[i]:
            drivers[i].append(len(channels[i]))  # a driver under the group's latest channel
        else:
            channels[i].append(len(channels[i]) + 1)

    def department(i):
        return departments[i % len(departments)]

    channel_target = WEEKLY_CHANNEL * n_weeks
    group_target = {i: channel_target * len(channels[i]) * PRICE for i in channels}
    kgi = Node.objects.create(
        tree=tree,
        code="revenue",
        name="売上",
        unit="円",
        formula=" + ".join(f"g{i}" for i in channels),
        target=sum(group_target.values()),
        department=departments[0],
    )
    level1 = Node.objects.bulk_create(
        Node(
            tree=tree,
            parent=kgi,
            code=f"g{i}",
            name=f"地域{i}の売上",
            unit="円",
            formula=f"d{i} * p{i}",
            target=group_target[i],
            department=department(i),
            position=i,
        )
        for i in channels
    )
    group_of = {node.code: node for node in level1}
    level2 = []
    for i in channels:
        level2.append(
            Node(
                tree=tree,
                parent=group_of[f"g{i}"],
                code=f"d{i}",
                name=f"地域{i}の受注件数",
                unit="件",
                formula=" + ".join(f"m{i}_{j}" for j in channels[i]),
                target=channel_target * len(channels[i]),
                department=department(i),
                position=1,
            )
        )
        level2.append(
            Node(
                tree=tree,
                parent=group_of[f"g{i}"],
                code=f"p{i}",
                name=f"地域{i}の平均単価",
                unit="円",
                aggregation="average",
                target=PRICE,
                department=department(i),
                position=2,
            )
        )
    level2 = {node.code: node for node in Node.objects.bulk_create(level2)}
    level3 = Node.objects.bulk_create(
        Node(
            tree=tree,
            parent=level2[f"d{i}"],
            code=f"m{i}_{j}",
            name=f"地域{i}チャネル{j}の受注件数",
            unit="件",
            target=channel_target,
            department=department(i + j),
            position=j,
        )
        for i in channels
        for j in channels[i]
    )
    level3 = {node.code: node for node in level3}
    level4 = Node.objects.bulk_create(
        Node(
            tree=tree,
            parent=level3[f"m{i}_{j}"],
            code=f"x{i}_{j}_{k}",
            name=f"地域{i}チャネル{j}のリード数{k}",
            unit="件",
            target=channel_target * 10,
            department=department(i + j + 1),
            position=k,
        )
        for i in drivers
        for k, j in enumerate(drivers[i], start=1)
    )
    measured = [node for node in [*level2.values(), *level3.values(), *level4] if not node.formula]
    used_weeks = weeks if entry_weeks is None else weeks[:entry_weeks]
    batch = []
    for node in measured:
        base = PRICE if node.code.startswith("p") else WEEKLY_CHANNEL * (10 if node.code.startswith("x") else 1)
        for week in used_weeks:
            value = (base * Decimal(rng.randint(80, 115)) / 100).quantize(Decimal(1))
            batch.append(Entry(node=node, week=week, value=value))
    Entry.objects.bulk_create(batch, batch_size=2000)
    Tree.bump_data_version(tree.pk)
    return tree


class _GridFields(HTMLParser):
    """The named inputs of the grid's form, as a browser sends them."""

    def __init__(self):
        super().__init__()
        self.fields, self.inside = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == "grid-form"
        elif tag == "input" and self.inside and attrs.get("name"):
            self.fields.append((attrs["name"], attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def _percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Command(BaseCommand):
    help = "Build a large workspace in a scratch database and time the pages and the engine (docs/performance.md)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=30, help="timed requests per page (after 3 warm-up ones)")
        parser.add_argument("--profile", action="store_true", help="print a cProfile of the engine on the large tree")
        parser.add_argument(
            "--only", choices=["engine"], help="engine: build the large tree alone and time only the engine"
        )

    def handle(self, *args, runs=30, profile=False, only=None, **options):
        creation = connection.creation
        old_name = connection.settings_dict["NAME"]
        tmpdir = None
        if connection.vendor == "sqlite":
            tmpdir = tempfile.TemporaryDirectory(prefix="goaltree-bench-")
            connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(tmpdir.name) / "bench.sqlite3")
        self.stdout.write("Creating and migrating the scratch database…")
        creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            with override_settings(RELEASE=f"{settings.RELEASE}+bench-{uuid.uuid4().hex[:8]}"):
                if only == "engine":
                    self._run_engine(runs, profile)
                else:
                    self._run(runs, profile)
        finally:
            creation.destroy_test_db(old_name, verbosity=0)
            if tmpdir is not None:
                tmpdir.cleanup()

    def _run(self, runs, profile):
        started = time.perf_counter()
        user, big, trees = self._build()
        self.stdout.write(
            f"Built the workspace in {time.perf_counter() - started:.1f} s: "
            f"{Node.objects.count()} nodes in {Tree.objects.count()} trees, "
            f"{self._entry_count()} entries ({connection.vendor}, DEBUG={settings.DEBUG})."
        )
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        anonymous = Client(SERVER_NAME="localhost")
        kgi = big.nodes.get(parent=None)
        channel = big.nodes.filter(code__startswith="m", children__isnull=False).first()
        rows = [
            ("Login page (trivial page, the floor)", self._measure(anonymous, "get", reverse("login"), runs)),
            (
                "Password change form (trivial signed-in page)",
                self._measure(client, "get", reverse("password_change"), runs),
            ),
            ("Home (21 trees)", self._measure(client, "get", reverse("home"), runs)),
            (
                "Home, nothing cached (21 trees computed)",
                self._measure(client, "get", reverse("home"), runs, before=cache.clear),
            ),
            ("Tree dashboard (200 nodes, 156 weeks)", self._measure(client, "get", self._url("dashboard", big), runs)),
            (
                "Tree dashboard, first view after a change (nothing cached)",
                self._measure(client, "get", self._url("dashboard", big), runs, before=cache.clear),
            ),
            (
                "Tree dashboard, first view after a cell save, the worker having computed the progress",
                self._measure(
                    client, "get", self._url("dashboard", big), runs, before=self._saved_and_warmed(client, big)
                ),
            ),
            ("Node page: the KGI", self._measure(client, "get", self._url("node-detail", kgi), runs)),
            ("Node page: a KPI with a driver", self._measure(client, "get", self._url("node-detail", channel), runs)),
            ("Node chart data (JSON)", self._measure(client, "get", self._url("chart", kgi), runs)),
            ("Department page", self._measure(client, "get", self._url("department", big.department), runs)),
        ]
        grid_url = reverse("metrics:grid") + f"?tree={big.pk}&show=all"
        rows.append(("Entry grid (the large tree)", self._measure(client, "get", grid_url, runs)))
        rows.append(("One cell save", self._measure_save(client, big, runs)))
        rows.append(
            (
                "Whole grid saved without JavaScript (the large tree, one cell changed)",
                self._measure_whole_grid(client, big, grid_url, runs),
            )
        )
        engine_times, load_times, year_times = self._engine(big, runs)
        self._report(rows, engine_times, load_times, year_times, runs)
        if profile:
            self._profile(big)
            self._profile_page(client, self._url("dashboard", big))

    def _run_engine(self, runs, profile):
        departments = [Department.objects.create(name=f"部署{i}", position=i) for i in range(1, DEPARTMENTS + 1)]
        big = build_tree("bench-large", 200, period=BIG_PERIOD, departments=departments, seed=1, name="大きなツリー")
        engine_times, load_times, year_times = self._engine(big, runs)
        lines = [
            "",
            f"{runs} timed runs each, after 3 warm-up runs.",
            "",
            "| measure | median ms | p95 ms | min ms |",
            "| --- | ---: | ---: | ---: |",
        ]
        for label, times in (
            ("Engine alone: compute() on the large tree (156 weeks)", engine_times),
            ("Engine alone: the same 200 nodes over one year (52 weeks)", year_times),
            ("Loading the large tree alone (metrics.progress.load_tree)", load_times),
        ):
            lines.append(
                f"| {label} | {statistics.median(times):.1f} | {_percentile(times, 0.95):.1f} | {min(times):.1f} |"
            )
        self.stdout.write("\n".join(lines) + "\n")
        if profile:
            self._profile(big)

    def _build(self):
        with transaction.atomic():
            departments = [Department.objects.create(name=f"部署{i}", position=i) for i in range(1, DEPARTMENTS + 1)]
            user = get_user_model().objects.create_user(
                username="bench", password="bench-only", last_name="計測", is_staff=True, is_superuser=True
            )
            for department in departments:
                Membership.objects.create(user=user, department=department)
            big = build_tree(
                "bench-large", 200, period=BIG_PERIOD, departments=departments, seed=1, name="大きなツリー"
            )
            period = fiscal_year_dates(fiscal_year(timezone.localdate()))
            trees = [
                build_tree(
                    f"bench-{k}",
                    OTHER_SIZE,
                    period=period,
                    departments=departments[k % DEPARTMENTS :] + departments[: k % DEPARTMENTS],
                    entry_weeks=OTHER_ENTRY_WEEKS,
                    seed=100 + k,
                    name=f"ツリー{k}",
                )
                for k in range(1, OTHER_TREES + 1)
            ]
        return user, big, trees

    def _entry_count(self):
        return Entry.objects.count()

    def _url(self, kind, obj):
        names = {
            "dashboard": "metrics:dashboard",
            "node-detail": "goals:node-detail",
            "chart": "metrics:node-chart-data",
            "department": "metrics:department",
        }
        return reverse(names[kind], args=[obj.pk])

    def _measure(self, client, method, url, runs, data_for=None, before=None, status=200, **kwargs):
        """(queries, [ms]) of `runs` requests after 3 warm-up ones; every response must have `status`.

        `before` runs before each request, untimed (cache.clear: every request as the first after a change).
        """
        times = []
        counts = set()
        for i in range(runs + 3):
            data = data_for(i) if data_for else None
            if before is not None:
                before()
            with CaptureQueriesContext(connection) as captured:
                begin = time.perf_counter()
                send = getattr(client, method)
                response = send(url, data, **kwargs) if data is not None else send(url)
                elapsed = (time.perf_counter() - begin) * 1000
            if response.status_code != status:
                raise RuntimeError(f"{method.upper()} {url} answered {response.status_code}")
            if i >= 3:
                times.append(elapsed)
                counts.add(len(captured))
        queries = str(min(counts)) if len(counts) == 1 else f"{min(counts)}–{max(counts)}"
        return queries, times

    def _saved_and_warmed(self, client, tree):
        """A function that saves one cell as the grid does, then runs the background worker's queued tasks (the
        progress computed for the new numbers, metrics/warming.py), as a worker beside the app servers does."""
        node = tree.nodes.filter(code__startswith="m", formula="").last()
        week = tree.weeks[-2]
        key = f"{node.pk}-{week:%Y%m%d}"
        count = iter(range(10**6))

        def before():
            entry = Entry.objects.filter(node=node, week=week).first()
            data = {f"v-{key}": str(3000 + next(count)), f"ver-{key}": str(entry.version if entry else 0)}
            if client.post(reverse("metrics:save-cell"), data).status_code != 200:
                raise RuntimeError("the cell save before the dashboard failed")
            call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*", verbosity=0)

        return before

    def _measure_save(self, client, tree, runs):
        url = reverse("metrics:save-cell")
        node = tree.nodes.filter(code__startswith="m", formula="").first()
        week = tree.weeks[-1]
        key = f"{node.pk}-{week:%Y%m%d}"

        def data_for(i):
            # A new value every time, with the version the grid would have sent: a real save each run.
            entry = Entry.objects.filter(node=node, week=week).first()
            return {f"v-{key}": str(1000 + i), f"ver-{key}": str(entry.version if entry else 0)}

        return self._measure(client, "post", url, runs, data_for)

    def _measure_whole_grid(self, client, tree, url, runs):
        """The grid's form as a browser without JavaScript posts it (every cell), one value changed each time."""
        node = tree.nodes.filter(code__startswith="m", formula="").order_by("pk").first()
        name = f"v-{node.pk}-{tree.weeks[-1]:%Y%m%d}"

        def data_for(i):
            fields = _GridFields()
            fields.feed(client.get(url).content.decode())
            return urlencode([(field, str(2000 + i) if field == name else value) for field, value in fields.fields])

        form = "application/x-www-form-urlencoded"  # as a browser posts it (the test client's default is multipart)
        return self._measure(client, "post", url, runs, data_for, status=302, content_type=form)

    def _engine(self, tree, runs):
        """Times of metrics.progress.load_tree and of compute() on the tree, and of compute() on its last 52 weeks."""
        as_of = tree.weeks[-1]
        engine_times, load_times, year_times = [], [], []
        for i in range(runs + 3):
            begin = time.perf_counter()
            found = load_tree(tree, notes_for=set())
            data, entries = found.data, found.entries
            loaded = time.perf_counter()
            compute(data, entries, as_of)
            done = time.perf_counter()
            year = replace(data, weeks=data.weeks[-52:])
            begin_year = time.perf_counter()
            compute(year, entries, as_of)
            done_year = time.perf_counter()
            if i >= 3:
                load_times.append((loaded - begin) * 1000)
                engine_times.append((done - loaded) * 1000)
                year_times.append((done_year - begin_year) * 1000)
        return engine_times, load_times, year_times

    def _profile(self, tree):
        found = load_tree(tree, notes_for=set())
        data, entries = found.data, found.entries
        profiler = cProfile.Profile()
        profiler.enable()
        compute(data, entries, tree.weeks[-1])
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        self.stdout.write(out.getvalue())

    def _profile_page(self, client, url):
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(url)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
        self.stdout.write(f"Profile of GET {url}, by own time:\n" + out.getvalue())

    def _report(self, rows, engine_times, load_times, year_times, runs):
        floor = statistics.median(rows[0][1][1])
        signed_in_floor = statistics.median(rows[1][1][1])
        lines = [
            "",
            f"{runs} timed runs each, after 3 warm-up runs; server time in the same process (Django test client).",
            "",
            "| page | queries | median ms | p95 ms | / login page | / signed-in trivial page |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for label, result in rows:
            queries, times = result
            median = statistics.median(times)
            lines.append(
                f"| {label} | {queries} | {median:.1f} | {_percentile(times, 0.95):.1f} | {median / floor:.1f}x "
                f"| {median / signed_in_floor:.1f}x |"
            )
        for label, queries, times in (
            ("Engine alone: compute() on the large tree (156 weeks)", 0, engine_times),
            ("Engine alone: the same 200 nodes over one year (52 weeks)", 0, year_times),
            ("Loading the large tree alone (metrics.progress.load_tree)", 2, load_times),
        ):
            median = statistics.median(times)
            lines.append(
                f"| {label} | {queries} | {median:.1f} | {_percentile(times, 0.95):.1f} | {median / floor:.1f}x "
                f"| {median / signed_in_floor:.1f}x |"
            )
        self.stdout.write("\n".join(lines) + "\n")
