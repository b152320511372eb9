"""Production-shaped smoke check: sign in as demo people on a running server and open every page once.

    python .ci/smoke.py http://127.0.0.1:8123 [--users admin,tanaka,ito,viewer,yamamoto] [--password goaltree-demo]

Run it beside the server with the same environment (it reads the URLconf to name the routes it saw). For each
person it signs in through the real login page (CSRF token, cookies), then follows every link of every page it
reaches on the server (<a href>, hx-get, the action of GET forms, data-chart-url, scripts and stylesheets),
starting from the home page and the admin, opening at most --per-route addresses of each route so that week and
admin filter links do not multiply. It fails on any answer >= 500, on a link that leads to 404, on a signed-in page
without `Cache-Control: private`, and when a route of REQUIRED was never reached. Requests go only to the given
server.
The server is production-shaped (DEBUG off, secure cookies): requests say X-Forwarded-Proto: https as a load
balancer would, and cookies are kept by hand since they are marked Secure.
"""

import argparse
import http.client
import os
import sys
import time
from collections import Counter, deque
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

# The routes every run must reach from the demo data: each page kind once at least.
REQUIRED = {
    "home",
    "login",
    "password_change",
    "goals:tree-list",
    "goals:tree-detail",
    "goals:tree-history",
    "goals:tree-edit",
    "goals:tree-export",
    "metrics:tree-copy",
    "goals:tree-import",
    "goals:tree-from-template",
    "goals:tree-create",
    "goals:node-detail",
    "goals:node-edit",
    "goals:node-add",
    "goals:node-backcalc",
    "goals:tree-backcalc",
    "goals:node-seasonality",
    "metrics:initiative-list",
    "goals:initiative-create",
    "goals:inbox",
    "goals:notice-settings",
    "goals:node-new-comments",
    "goals:tree-new-comments",
    "goals:comment-edit",
    "metrics:review-week",
    "metrics:activity",
    "goals:people",
    "goals:search",
    "goals:person",
    "goals:invite",
    "goals:start",
    "password_reset",
    "metrics:dashboard",
    "metrics:tree-map",
    "metrics:progress-json",
    "metrics:progress-csv",
    "metrics:grid-kpi",
    "metrics:node-progress",
    "metrics:node-chart-data",
    "metrics:grid",
    "metrics:due",
    "metrics:entry-history",
    "metrics:import-entries",
    "metrics:export-entries",
    "metrics:entries-template",
    "metrics:department",
    "metrics:api-tokens",
    "metrics:tree-webhooks",
    "api-v1:docs",
    "api-v1:openapi-json",
    "admin:index",
    "admin:app_list",
    "admin:goals_tree_changelist",
    "admin:goals_tree_change",
}
SKIP_PATHS = ("/accounts/logout/", "/i18n/setlang/", "/admin/logout/")
STATIC_PREFIX = "/static/"


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []
        self.csrf = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if attrs.get("hx-get"):
            self.links.append(attrs["hx-get"])
        if tag == "form" and (attrs.get("method") or "get").lower() == "get" and attrs.get("action"):
            self.links.append(attrs["action"])  # a GET form is a page too (the header's search)
        if attrs.get("data-chart-url"):
            self.links.append(attrs["data-chart-url"])
        if tag == "script" and attrs.get("src"):
            self.links.append(attrs["src"])
        if tag == "link" and attrs.get("href") and attrs.get("rel") in ("stylesheet", "icon"):
            self.links.append(attrs["href"])
        if tag == "input" and attrs.get("name") == "csrfmiddlewaretoken":
            self.csrf = attrs.get("value")


class Browser:
    """One person's session: cookies by hand, every request to the one server."""

    def __init__(self, base):
        self.base = base
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookies = {}
        self.requests = 0

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        sent = {
            "Host": f"{self.host}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "ja",
            "User-Agent": "goaltree-smoke",
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        self.requests += 1
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response, data

    def log_in(self, username, password):
        response, page = self.request("GET", "/accounts/login/")
        parser = Links()
        parser.feed(page.decode("utf-8", "replace"))
        if response.status != 200 or not parser.csrf:
            raise SystemExit(f"login page: HTTP {response.status}, CSRF token found: {bool(parser.csrf)}")
        body = urlencode({"csrfmiddlewaretoken": parser.csrf, "username": username, "password": password, "next": ""})
        origin = f"https://{self.host}:{self.port}"
        response, _ = self.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + "/accounts/login/",
            },
        )
        if response.status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"could not sign in as {username}: HTTP {response.status}")


def route_of(path):
    from django.urls import Resolver404, resolve

    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name


def crawl(base, username, password, per_route, problems, seen_routes, max_pages):
    browser = Browser(base)
    browser.log_in(username, password)
    queue = deque(["/", "/admin/"])
    queued = set(queue)
    opened_per_route = Counter()
    opened = 0
    statuses = Counter()
    while queue and opened < max_pages:
        path = queue.popleft()
        is_static = path.startswith(STATIC_PREFIX)
        route = "static" if is_static else route_of(path)
        if route is not None and not is_static:
            if opened_per_route[route] >= per_route:
                continue
            opened_per_route[route] += 1
        response, data = browser.request("GET", path)
        opened += 1
        statuses[response.status // 100 * 100] += 1
        where = f"{username} GET {path}"
        if response.status >= 500:
            problems.append(f"{where}: HTTP {response.status}")
            continue
        if response.status == 404:
            problems.append(f"{where}: HTTP 404 (a link to a missing page)")
            continue
        if route and not is_static and response.status == 200:
            seen_routes.add(route)
            if "private" not in response.getheader("Cache-Control", ""):
                problems.append(f"{where}: no Cache-Control: private ({response.getheader('Cache-Control')!r})")
        if response.status in (301, 302):
            target = response.getheader("Location", "")
            if target.startswith("/") and "/accounts/login/" not in target:
                links = [target]
            else:
                continue
        elif "text/html" in response.getheader("Content-Type", ""):
            parser = Links()
            parser.feed(data.decode("utf-8", "replace"))
            links = parser.links
        else:
            continue
        for link in links:
            absolute = urldefrag(urljoin(base + path, link)).url
            parts = urlsplit(absolute)
            if f"{parts.scheme}://{parts.netloc}" != base:
                continue  # another site (the Chart.js CDN): never requested
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target in queued or parts.path.startswith(SKIP_PATHS):
                continue
            queued.add(target)
            queue.append(target)
    print(f"  {username}: {opened} addresses ({', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the server, e.g. http://127.0.0.1:8123")
    parser.add_argument("--users", default="admin,tanaka,ito,viewer,yamamoto")  # yamamoto: a guest
    parser.add_argument("--password", default="goaltree-demo")
    parser.add_argument("--per-route", type=int, default=3, help="addresses opened per route and person")
    parser.add_argument("--max-pages", type=int, default=600, help="addresses opened per person at most")
    parser.add_argument("--no-required", action="store_true", help="do not require every route of REQUIRED")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import django

    django.setup()

    base = args.base.rstrip("/")
    problems, seen = [], set()
    started = time.monotonic()
    print(f"Smoke check of {base}")
    for username in args.users.split(","):
        crawl(base, username, args.password, args.per_route, problems, seen, args.max_pages)
    seen.add("login")  # every person came through it
    if not args.no_required:
        for route in sorted(REQUIRED - seen):
            problems.append(f"never reached: {route}")
    print(f"  {len(seen)} routes reached in {time.monotonic() - started:.0f} s")
    if problems:
        print("Smoke check FAILED:")
        for problem in problems:
            print("  " + problem)
        return 1
    print("Smoke check passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
