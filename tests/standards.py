"""The pages each role reaches, and the external checkers run on them (issue 14).

* :func:`crawl` — with a Flask test client signed in as a role, follow every same-origin
  ``<a href>`` and every GET form as it stands (GET only; never sign-out, deletion, download or
  feed links), at most :data:`MAX_PAGES` pages and :data:`PER_SHAPE` URLs of one route shape
  (:func:`shape`), so the crawl stays short and finds new pages as the product grows.
* :func:`nu_messages` — the W3C Nu HTML validator (``vnu.jar``, run by ``java``) on every crawled
  page in ONE run.
* :func:`axe_violations` — axe-core in Debian's Chromium on crawled pages, every request of the
  tab answered by the role's test client (the app's own headers, CSP included); the serious and
  critical violations of WCAG 2.0/2.1 A and AA.

The checkers are the project's own pinned npm packages (``tools/package.json``, installed into
``tools/node_modules`` by ``npm ci --prefix tools --ignore-scripts``): :func:`vnu_jar` and
:func:`axe_source` say what is missing, so the tests can skip saying why.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections import deque
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from urllib.parse import urljoin
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from tests.conftest import csrf_from

TOOLS = Path(__file__).resolve().parent.parent / "tools" / "node_modules"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = TOOLS / "axe-core" / "axe.min.js"
NPM_HINT = "run `npm ci --prefix tools --ignore-scripts` (tools/package.json)"

PASSWORD = "demo1234"
MAX_PAGES = 40
PER_SHAPE = 2
# never followed: they end the session, download a file or serve a feed, not a page
SKIP = re.compile(
    r"logout|/delete|\.(pdf|csv|xlsx|ics|mp3|wav|json|txt)(\?|$)|/export|/download|/feed|/ical"
    r"|/print|/audio/|/static/|/onboarding/import/[^/]+/(template|example)|format=(xlsx|csv|pdf)"
)
START = {
    "anonymous": ["/", "/login", "/register", "/password/forgot", "/staff/login",
                  "/onboarding/signup", "/no-such-page"],
    "parent": ["/", "/account/preferences", "/account/pin", "/account/children/add",
               "/account/links", "/calendar", "/my-data"],
    "teacher": ["/staff/", "/staff/events/new", "/staff/meetings/new", "/staff/password",
                "/ivr/simulator", "/staff/homework"],
    "class teacher": ["/staff/", "/staff/homework"],
    "admin": ["/staff/", "/staff/admin/", "/staff/admin/year", "/staff/admin/students/new",
              "/onboarding/asp", "/onboarding/import", "/onboarding/reports", "/notify/admin"],
    "operator": ["/staff/", "/staff/operator", "/onboarding/requests"],
}  # fmt: skip


@dataclass
class Page:
    role: str
    url: str
    status: int
    html: str
    headers: dict[str, str]


class _Links(HTMLParser):
    """The links of a page: every ``<a href>``, and every GET form (a report's "Покажи")
    submitted as it stands — its fields' values, a select's first option, the first button."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self._form: tuple[str, list[tuple[str, str]], set[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        elif tag == "option" and self._form is not None and self._select:
            self._form[1].append((self._select, a.get("value", "")))
            self._select = None
        elif tag == "form":
            get = a.get("method", "get").lower() == "get"
            self._form = (a.get("action", ""), [], set()) if get else None
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type", "text") not in (
            "checkbox",
            "radio",
            "file",
            "submit",
        ):
            self._form[1].append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a["name"]
        elif (
            tag == "button"
            and a.get("type", "submit") == "submit"
            and "button" not in self._form[2]
        ):
            self._form[2].add("button")
            self._form[1].append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            action, fields, _ = self._form
            self.hrefs.append(f"{action.split('?')[0]}?{urlencode(fields)}" if fields else action)
            self._form = None
        elif tag == "select":
            self._select = None


def _local(base: str, href: str) -> str | None:
    parts = urlsplit(urljoin("http://localhost" + base, href))
    if parts.netloc != "localhost" or parts.scheme not in ("http", ""):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def login_url(role: str) -> str | None:
    if role == "anonymous":
        return None
    return "/login" if role == "parent" else "/staff/login"


def sign_in(client: FlaskClient, role: str, email: str) -> None:
    url = login_url(role)
    if url is None:
        return
    form = client.get(url).get_data(as_text=True)
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf_from(form)}
    response = client.post(url, data=data)
    assert response.status_code == 302, (role, email, response.status_code)


def shape(url: str) -> str:
    """The route a URL belongs to: numbers and long tokens become ``N``, query values go."""
    path, _, query = url.partition("?")
    keys = sorted({k for k, _, _ in (p.partition("=") for p in query.split("&") if p)})
    return re.sub(r"\d+|[A-Za-z0-9_-]{24,}", "N", path) + "?" + "&".join(keys)


def crawl(client: FlaskClient, role: str, more: tuple[str, ...] = ()) -> list[Page]:
    """The HTML pages ``role`` (already signed in on ``client``) reaches by following links from
    its start pages and ``more`` (links it got by e-mail)."""
    queue = deque([*START[role], *more])
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    pages: list[Page] = []
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        if url in seen or SKIP.search(url) or shapes.get(shape(url), 0) >= PER_SHAPE:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, (role, url, response.status_code)
        if response.status_code in (301, 302, 303, 307, 308) and response.location:
            target = _local(url, response.location)
            if target and target not in seen:
                queue.appendleft(target)
            continue
        if response.mimetype != "text/html":
            continue
        shapes[shape(url)] = shapes.get(shape(url), 0) + 1
        html = response.get_data(as_text=True)
        pages.append(Page(role, url, response.status_code, html, dict(response.headers)))
        links = _Links()
        links.feed(html)
        for href in links.hrefs:
            path = _local(url, href)
            if path and path not in seen:
                queue.append(path)
    return pages


# --- the W3C Nu HTML validator ---------------------------------------------------------------------
def vnu_jar() -> tuple[Path | None, str]:
    """The validator's jar and java, or ``None`` and why they are missing."""
    if shutil.which("java") is None:
        return None, "java is not installed (the Nu validator needs it: Debian 'default-jre')"
    if not VNU_JAR.is_file():
        return None, f"the Nu validator is not installed: {NPM_HINT}"
    return VNU_JAR, ""


def nu_messages(pages: list[Page]) -> list[tuple[Page, dict[str, Any]]]:
    """Every message of the Nu validator on ``pages``: one ``java -jar vnu.jar`` run, each
    message with the page it is about."""
    with tempfile.TemporaryDirectory(prefix="vnu-") as folder:
        files: dict[str, Page] = {}
        for n, page in enumerate(pages):
            path = Path(folder) / f"page{n:04d}.html"
            path.write_text(page.html, encoding="utf-8")
            files[path.name] = page
        run = subprocess.run(
            ["java", "-Xss4m", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always",
             *(str(Path(folder) / name) for name in files)],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    report = json.loads(run.stderr or run.stdout)  # the JSON report goes to stderr
    return [(files[Path(urlsplit(m["url"]).path).name], m) for m in report["messages"]]


def describe_nu(page: Page, message: dict[str, Any]) -> str:
    return (
        f"{page.role} {page.url} line {message.get('lastLine', '?')}: "
        f"{message.get('message', '')} [{message.get('extract', '').strip()[:120]}]"
    )


# --- axe-core in Chromium --------------------------------------------------------------------------
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = ("serious", "critical")
STATIC = ("/static/", "/ivr/static/", "/favicon.")


def axe_source() -> tuple[str | None, str]:
    if not AXE_JS.is_file():
        return None, f"axe-core is not installed: {NPM_HINT}"
    return AXE_JS.read_text(encoding="utf-8"), ""


def axe_violations(
    browser: Any, client: FlaskClient, pages: list[Page], axe: str, width: int = 1100
) -> list[str]:
    """The serious and critical axe violations on ``pages``, in Chromium.

    Every request of the tab (the page, its CSS, scripts, icons) is answered by ``client`` — the
    Flask test client the role signed in on — with the app's own headers, CSP included, so the
    browser sees exactly what the crawl saw, without a server or a second sign-in."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="bg-BG")
    # axe comes in through the debugging protocol: the pages' CSP (no inline script) stays on
    context.add_init_script(script=axe)
    crawled = {page.url: page for page in pages}
    assets: dict[str, tuple[int, dict[str, str], bytes]] = {}  # CSS, scripts, icons: read once

    def answer(route: Any) -> None:
        parts = urlsplit(route.request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.netloc != "localhost":
            route.abort()
            return
        page = crawled.get(path)
        if page is not None and route.request.resource_type == "document":
            route.fulfill(status=page.status, headers=page.headers, body=page.html)
            return
        static = route.request.method == "GET" and path.startswith(STATIC)
        if not static or path not in assets:
            response = client.open(path, method=route.request.method, data=route.request.post_data)
            body = response.get_data()
            response.close()  # a static file is streamed from an open file
            assets[path] = (response.status_code, dict(response.headers), body)
        status, headers, body = assets.pop(path) if not static else assets[path]
        route.fulfill(status=status, headers=headers, body=body)

    context.route("**/*", answer)
    tab = context.new_page()
    tab.set_default_timeout(15000)
    found: list[str] = []
    try:
        for page in pages:
            who = page.role if width == 1100 else f"{page.role} at {width} px"
            tab.goto("http://localhost" + page.url)
            result = tab.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                " resultTypes: ['violations']})",
                AXE_TAGS,
            )
            for v in result["violations"]:
                if v["impact"] not in SERIOUS:
                    continue
                targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:6])
                more = f" (+{len(v['nodes']) - 6})" if len(v["nodes"]) > 6 else ""
                found.append(
                    f"{who} {page.url}: {v['id']} ({v['impact']}) {v['help']}: {targets}{more}"
                )
    finally:
        context.close()
    return found
