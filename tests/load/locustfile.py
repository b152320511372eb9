"""Load test: people sign in, open dashboards and node pages, and save grid cells (`make loadtest`).

Run by tests/load/run against gunicorn + PostgreSQL + Redis on 127.0.0.1 with the demo workspace and the load
people of tests/load/prepare.py (load001, load002… members of the demo's three departments). Each simulated
person signs in once through the login page, then, with 2 to 6 seconds to think between steps, opens the tree's
dashboard, a node page (and its chart's JSON, as the browser does), the entry grid, and saves one grid cell of
their department as the grid's htmx does. The per-request numbers go to the JSON file named by
LOADTEST_REPORT, grouped as pages, saves and logins, for tests/load/report.py.
"""

import json
import os
import random
import re
from collections import defaultdict

from locust import HttpUser, between, events, task

PASSWORD = "goaltree-load"
PEOPLE = int(os.environ.get("LOADTEST_PEOPLE_AVAILABLE", "100"))
TREE_ID = os.environ.get("LOADTEST_TREE_ID", "1")

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_NODE_LINK = re.compile(r'href="/nodes/(\d+)/')
_ENTRY_CELL = re.compile(r'name="v-(\d+-\d{8})" value="([^"]*)"')
_HIDDEN = re.compile(r'name="(ver|orig)-(\d+-\d{8})" value="([^"]*)"')

_times = defaultdict(list)
_failures = defaultdict(int)
_counter = iter(range(1, 10**9))


def _group(name):
    return name.split(":", 1)[0]


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    group = _group(name)
    _times[group].append(response_time)
    if exception is not None:
        _failures[group] += 1


@events.quitting.add_listener
def _write_report(environment, **kwargs):
    path = os.environ.get("LOADTEST_REPORT")
    if not path:
        return
    report = {group: {"times": times, "failures": _failures[group]} for group, times in _times.items()}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report, f)


class Person(HttpUser):
    wait_time = between(2, 6)

    def _plain_cookies(self):
        """Production settings mark cookies Secure, and requests sends those only over HTTPS; a load balancer in
        front of gunicorn speaks HTTPS to the browser and HTTP to gunicorn, as we do (X-Forwarded-Proto)."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def on_start(self):
        self.client.headers.update({"X-Forwarded-Proto": "https", "Accept-Language": "ja"})
        number = (next(_counter) - 1) % PEOPLE + 1
        self.username = f"load{number:03d}"
        self.node_ids = []
        self.cells = []
        page = self.client.get("/accounts/login/", name="login: page")
        token = _CSRF_INPUT.search(page.text).group(1)
        self._plain_cookies()
        origin = self.host.replace("http://", "https://")
        with self.client.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": self.username, "password": PASSWORD, "next": ""},
            headers={"Origin": origin, "Referer": origin + "/accounts/login/"},
            allow_redirects=False,
            name="login: post",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login as {self.username}: HTTP {response.status_code}")
        self._plain_cookies()

    def _csrf(self):
        return self.client.cookies.get("csrftoken", "")

    @task(4)
    def dashboard(self):
        self._plain_cookies()
        page = self.client.get(f"/trees/{TREE_ID}/dashboard/", name="page: dashboard")
        if not self.node_ids:
            self.node_ids = sorted(set(_NODE_LINK.findall(page.text)))

    @task(3)
    def node_page(self):
        self._plain_cookies()
        if not self.node_ids:
            return self.dashboard()
        node = random.choice(self.node_ids)
        self.client.get(f"/nodes/{node}/", name="page: node")
        self.client.get(f"/nodes/{node}/chart.json", name="page: node chart.json")

    @task(2)
    def grid(self):
        self._plain_cookies()
        page = self.client.get("/numbers/", name="page: grid")
        hidden = {(kind, key): value for kind, key, value in _HIDDEN.findall(page.text)}
        self.cells = [
            (key, hidden.get(("ver", key), "0"), hidden.get(("orig", key), ""))
            for key, _value in _ENTRY_CELL.findall(page.text)
        ]

    @task(2)
    def save_cell(self):
        if not self.cells:
            self.grid()
        self._plain_cookies()
        if not self.cells:
            return
        key, version, orig = random.choice(self.cells)
        value = str(random.randint(1, 900))
        data = {f"v-{key}": value, f"ver-{key}": version, f"orig-{key}": orig}
        origin = self.host.replace("http://", "https://")
        headers = {
            "HX-Request": "true",
            "X-CSRFToken": self._csrf(),
            "Origin": origin,
            "Referer": origin + "/numbers/",
        }
        with self.client.post(
            "/numbers/save/", data, headers=headers, name="save: cell", catch_response=True
        ) as response:
            outcome = re.search(r'data-outcome="([a-z_]*)"', response.text or "")
            if response.status_code != 200 or outcome is None:
                response.failure(f"HTTP {response.status_code}")
            elif outcome.group(1) not in ("saved", "unchanged", "conflict"):  # a conflict: two people, one cell
                response.failure(f"outcome {outcome.group(1)}")
        self.cells = []  # the version moved: read the grid again before the next save
