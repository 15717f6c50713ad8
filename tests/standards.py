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
    submitted as it stands — its fields' values, a select's first option, the first button.
    The POST forms go to :attr:`posts` (action, fields as (name, kind, value)) for
    :func:`error_states`."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.posts: list[tuple[str, list[tuple[str, str, str]]]] = []
        self._form: tuple[str, list[tuple[str, str]], set[str]] | None = None
        self._post: tuple[str, list[tuple[str, str, str]]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._post = (a.get("action", ""), [])
        elif self._post is not None and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            self._post[1].append((a["name"], kind, a.get("value", "")))
        if tag == "option" and self._post is not None and self._select:
            # a select sends its first option (or the selected one, when it comes first)
            self._post[1].append((self._select, "option", a.get("value", "")))
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        elif tag == "option" and self._select:
            if self._form is not None:
                self._form[1].append((self._select, a.get("value", "")))
            self._select = None
        elif tag == "form":
            get = a.get("method", "get").lower() == "get"
            self._form = (a.get("action", ""), [], set()) if get else None
        elif (self._form is None and self._post is None) or not a.get("name"):
            return
        elif tag == "select":
            self._select = a["name"]
        elif self._form is None:
            return
        elif tag == "input" and a.get("type", "text") not in (
            "checkbox",
            "radio",
            "file",
            "submit",
        ):
            self._form[1].append((a["name"], a.get("value", "")))
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
        elif tag == "form" and self._post is not None:
            self.posts.append(self._post)
            self._post = None
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


# --- forms in their error state -------------------------------------------------------------------
# never posted: they end the session, remove or decide something, or need a real file
POST_SKIP = re.compile(r"logout|/delete|/revoke|/decline|/cancel|/commit|/regenerate|/erase")
TYPED = {"text", "email", "tel", "password", "number", "date", "time", "search", "url",
         "textarea", "datetime-local", "month"}  # fmt: skip
ERROR_CLASSES = ("field-error", "flash-error")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
ENGLISH = re.compile(
    r"\b(field|required|invalid|must|characters?|not a valid|this|please|error|value)\b", re.I
)
# the "bad values" a form with such fields is posted with too (its text fields left empty):
# values a browser sends for the field's type (so they may be echoed back as valid HTML) that
# no form of the product accepts there
BAD = {"email": "a@b", "tel": "12", "number": "-1", "date": "1999-01-01",
       "datetime-local": "1999-01-01T00:00"}  # fmt: skip
MAX_ERROR_PAGES = 40


def error_states(client: FlaskClient, role: str, pages: list[Page]) -> list[Page]:
    """Every POST form of ``pages`` that has a field to type in, posted empty with its CSRF token
    and hidden fields (one form of each action shape): the page that comes back, or the page a
    redirect leads to (a flashed error). A form with e-mail, phone, number or date fields is
    posted a second time with bad values there. The pages get the URL ``<action>?error-state=empty`` (or ``=bad``)."""
    out: list[Page] = []
    done: set[str] = set()
    for page in pages:
        links = _Links()
        links.feed(page.html)
        for action, fields in links.posts:
            url = _local(page.url, action or page.url.split("?")[0])
            typed = [n for n, kind, _ in fields if kind in TYPED]
            key = f"{shape(url or '')} {sorted(typed)}"
            if not url or not typed or key in done or SKIP.search(url) or POST_SKIP.search(url):
                continue
            if len(out) >= MAX_ERROR_PAGES:
                return out
            done.add(key)
            special = any(kind in BAD for _, kind, _ in fields)
            for variant in ("empty", "bad") if special else ("empty",):
                data: dict[str, str] = {}
                for name, kind, value in fields:
                    if kind == "hidden" or (kind == "option" and name not in data):
                        data[name] = value
                    elif kind in TYPED:
                        data[name] = BAD.get(kind, "") if variant == "bad" else ""
                found = _error_page(client, role, url, data, variant)
                if found is not None:
                    out.append(found)
    return out


def _error_page(
    client: FlaskClient, role: str, url: str, data: dict[str, str], variant: str
) -> Page | None:
    response = client.post(url, data=data)
    assert response.status_code < 500, (role, url, variant, response.status_code)
    if response.status_code in (301, 302, 303) and response.location:
        target = _local(url, response.location)
        if not target:
            return None
        response = client.get(target)
    if response.mimetype != "text/html":
        return None
    html = response.get_data(as_text=True)
    shown = _Errors()
    shown.feed(html)
    if not shown.messages and not shown.invalid:
        return None  # taken as it stands (every field optional): no error state
    marked = url + ("&" if "?" in url else "?") + f"error-state={variant}"
    return Page(role, marked, response.status_code, html, dict(response.headers))


class _Errors(HTMLParser):
    """The error messages of a page and the fields marked invalid."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "wbr", "area"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[str, str] = {}  # id → text
        self.messages: list[tuple[str, str]] = []  # (id or "", text) of every error message
        self.invalid: list[tuple[str, list[str]]] = []  # (name, the ids describing it)
        self.described: set[str] = set()
        self._open: list[tuple[str, str, bool, list[str]]] = []  # tag, id, is error, text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        refs = a.get("aria-describedby", "").split()
        self.described.update(refs)
        if a.get("aria-invalid") == "true":
            self.invalid.append((a.get("name", a.get("id", tag)), refs))
        if tag in self.VOID:
            return
        error = any(c in a.get("class", "").split() for c in ERROR_CLASSES)
        self._open.append((tag, a.get("id", ""), error, []))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            name, ident, error, text = self._open.pop()
            joined = " ".join("".join(text).split())
            if ident:
                self.texts[ident] = joined
            if error and joined:  # an empty one waits for a script's live message
                self.messages.append((ident, joined))
            if self._open:
                self._open[-1][3].append(" " + joined + " ")
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][3].append(data)


def error_problems(page: Page) -> list[str]:
    """What is wrong with a page's error state: an error not in Bulgarian, a field marked
    invalid that names no message, a field's message no field names."""
    found = _Errors()
    found.feed(page.html)
    where = f"{page.role} {page.url}"
    out = []
    for _ident, text in found.messages:
        if not CYRILLIC.search(text) or ENGLISH.search(text):
            out.append(f"{where}: not Bulgarian: {text!r}")
    for name, refs in found.invalid:
        if not refs or any(not found.texts.get(r) for r in refs):
            out.append(f"{where}: field {name} is invalid but names no message ({refs})")
    field_errors = [i for i, _ in found.messages if i]
    for ident in field_errors:
        if ident not in found.described:
            out.append(f"{where}: message #{ident} belongs to no field")
    if not found.messages and not found.invalid:
        out.append(f"{where}: no error shown")
    return out


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
