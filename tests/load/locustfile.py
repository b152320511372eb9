"""Load test: people sign in, open dashboards and node pages, and save grid cells (`make loadtest`).

Run by tests/load/run against gunicorn + PostgreSQL + Redis on 127.0.0.1 with the demo workspace and the load
people of tests/load/prepare.py (load001, load002… members of the demo's three departments). Each simulated
person signs in once through the login page, then, with 2 to 6 seconds to think between steps, opens the tree's
dashboard, a node page (and its chart's JSON, as the browser does), the entry grid, and saves one grid cell of
their department as the grid's htmx does. The per-request times go to the JSON file named by LOADTEST_REPORT,
grouped as pages, saves and logins; pages and saves sent while people were still arriving (signing in) are
kept apart as "ramp", so that the steady state is measured on its own (tests/load/report.py).
"""

import json
import os
import random
import re
from collections import defaultdict
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlencode

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

PASSWORD = "goaltree-load"
PEOPLE = int(os.environ.get("LOADTEST_PEOPLE_AVAILABLE", "100"))
TREE_ID = os.environ.get("LOADTEST_TREE_ID", "1")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_NODE_LINK = re.compile(r'href="/nodes/(\d+)/')
_ENTRY_CELL = re.compile(r'name="v-(\d+-\d{8})" value="([^"]*)"')
_HIDDEN = re.compile(r'name="(ver|orig)-(\d+-\d{8})" value="([^"]*)"')
_OUTCOME = re.compile(r'data-outcome="([a-z_]*)"')

_times = defaultdict(list)
_failures = defaultdict(int)
_by_name = defaultdict(list)  # steady state only, by request name
_counter = iter(range(1, 10**9))
_steady = [False]


@events.spawning_complete.add_listener
def _everyone_arrived(user_count, **kwargs):
    _steady[0] = True


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    group = name.split(":", 1)[0]
    if group != "login" and not _steady[0]:
        group = f"ramp {group}"
    _times[group].append(response_time)
    if _steady[0]:
        _by_name[name].append(response_time)
    if exception is not None:
        _failures[group] += 1


@events.quitting.add_listener
def _write_report(environment, **kwargs):
    path = os.environ.get("LOADTEST_REPORT")
    if not path:
        return
    report = {group: {"times": times, "failures": _failures[group]} for group, times in _times.items()}
    report["by name"] = dict(_by_name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report, f)


class Person(FastHttpUser):
    wait_time = between(2, 6)
    # A load balancer in front speaks HTTPS to browsers and HTTP to gunicorn, as we do.
    default_headers = {"X-Forwarded-Proto": "https", "Accept-Language": "ja"}

    def on_start(self):
        # Production settings mark cookies Secure: keep sending them over our plain HTTP to gunicorn.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))
        self.origin = self.host.replace("http://", "https://")
        number = (next(_counter) - 1) % PEOPLE + 1
        self.username = f"load{number:03d}"
        self.node_ids = []
        self.cells = []
        page = self.client.get("/accounts/login/", name="login: page")
        token = _CSRF_INPUT.search(page.text).group(1)
        body = urlencode({"csrfmiddlewaretoken": token, "username": self.username, "password": PASSWORD, "next": ""})
        headers = {**FORM, "Origin": self.origin, "Referer": self.origin + "/accounts/login/"}
        with self.client.post(
            "/accounts/login/",
            data=body,
            headers=headers,
            allow_redirects=False,
            name="login: post",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login as {self.username}: HTTP {response.status_code}")

    def _csrf(self):
        return next((cookie.value for cookie in self.client.cookiejar if cookie.name == "csrftoken"), "")

    @task(4)
    def dashboard(self):
        page = self.client.get(f"/trees/{TREE_ID}/dashboard/", name="page: dashboard")
        if not self.node_ids:
            self.node_ids = sorted(set(_NODE_LINK.findall(page.text or "")))

    @task(3)
    def node_page(self):
        if not self.node_ids:
            return self.dashboard()
        node = random.choice(self.node_ids)
        self.client.get(f"/nodes/{node}/", name="page: node")
        self.client.get(f"/nodes/{node}/chart.json", name="page: node chart.json")

    @task(2)
    def grid(self):
        page = self.client.get("/numbers/", name="page: grid")
        text = page.text or ""
        hidden = {(kind, key): value for kind, key, value in _HIDDEN.findall(text)}
        self.cells = [
            (key, hidden.get(("ver", key), "0"), hidden.get(("orig", key), ""))
            for key, _value in _ENTRY_CELL.findall(text)
        ]

    @task(2)
    def save_cell(self):
        if not self.cells:
            self.grid()
        if not self.cells:
            return
        key, version, orig = random.choice(self.cells)
        body = urlencode({f"v-{key}": str(random.randint(1, 900)), f"ver-{key}": version, f"orig-{key}": orig})
        headers = {
            **FORM,
            "HX-Request": "true",
            "X-CSRFToken": self._csrf(),
            "Origin": self.origin,
            "Referer": self.origin + "/numbers/",
        }
        save = self.client.post("/numbers/save/", data=body, headers=headers, name="save: cell", catch_response=True)
        with save as r:
            outcome = _OUTCOME.search(r.text or "")
            if r.status_code != 200 or outcome is None:
                r.failure(f"HTTP {r.status_code}")
            elif outcome.group(1) not in ("saved", "unchanged", "conflict"):  # a conflict: two people, one cell
                r.failure(f"outcome {outcome.group(1)}")
        self.cells = []  # the version moved: read the grid again before the next save
