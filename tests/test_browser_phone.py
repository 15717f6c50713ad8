"""Issue 14: the parent portal on a 390 px phone (Debian's Chromium, Playwright). The diary, its
weekly timetable and the comparison fit the screen without sideways scrolling, the timetable shows
all five weekdays, and every chart label renders at 12 px or more. Screenshots go to
``test-artifacts/portal/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import chromium_page
from tests.test_portal_web import child_ids
from tests.test_portal_web import guardian

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "portal"
ME = "roditel2@sou1.demo.bg"  # the first child is in grades IV–XII: the comparison has charts
WEEKDAYS = ("Понеделник", "Вторник", "Сряда", "Четвъртък", "Петък")
MIN_TEXT_PX = 12

# What overflows sideways: the document, and every table or region narrower than its content.
OVERFLOW_JS = """() => {
  const wide = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth) wide.push(`document ${doc.scrollWidth} > ${window.innerWidth}`);
  document.querySelectorAll("table, .table-wrap, [role=region], section, figure, svg").forEach((el) => {
    if (el.getClientRects().length === 0) return;  // not rendered (display: none)
    const r = el.getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + 1 || r.right > window.innerWidth + 1 || r.left < -1) {
      wide.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className.baseVal ?? el.className} `
        + `${el.scrollWidth}/${el.clientWidth} right=${Math.round(r.right)}`);
    }
  });
  return wide;
}"""

# The rendered size of every chart label: its computed font size times the SVG's scale.
SMALL_TEXT_JS = """(minimum) => {
  const small = [];
  let seen = 0;
  document.querySelectorAll("svg.chart").forEach((svg) => {
    if (svg.getClientRects().length === 0) return;
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    svg.querySelectorAll("text").forEach((t) => {
      seen += 1;
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < minimum) small.push(`${t.textContent}: ${px.toFixed(1)} px`);
    });
  });
  return {seen, small};
}"""


def _older_child() -> int:
    """The parent's child in grades IV–XII (numeric grades: the comparison draws its charts)."""
    from portal.children import child_context

    me = guardian(ME).id
    for sid in child_ids(ME):
        klass = child_context(me, sid).school_class
        if klass is not None and klass.grade_level >= 4:
            return sid
    raise AssertionError("the demo parent has no child in grades IV–XII")


def _signed_in(tab, live_url):  # type: ignore[no-untyped-def]
    """The demo parent's diary in ``tab``, signed in through the form."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.goto(live_url + "/login")
    tab.get_by_label("E-mail").fill(ME)
    tab.get_by_label("Парола").fill("demo1234")
    tab.get_by_role("button", name="Вход").click()
    tab.wait_for_selector("#grades-h")
    return tab


@pytest.fixture
def phone(live_url):  # type: ignore[no-untyped-def]
    with chromium_page(390, 844) as tab:
        yield _signed_in(tab, live_url)


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(OVERFLOW_JS) == []


def _labels_readable(page, charts: int) -> None:  # type: ignore[no-untyped-def]
    found = page.evaluate(SMALL_TEXT_JS, MIN_TEXT_PX)
    assert found["small"] == []
    assert page.locator("svg.chart").count() >= charts and found["seen"] > 0


def test_diary_and_timetable_fit_a_phone(phone, live_url):
    sid = _older_child()
    phone.goto(f"{live_url}/child/{sid}")
    _fits(phone)
    timetable = phone.locator("#timetable")
    for day in WEEKDAYS:
        assert timetable.get_by_role("heading", name=day).is_visible(), day
    assert phone.locator("#timetable [aria-current=date]:visible").inner_text().startswith("Сряда")
    # every grade cell says what it is, as the column heading is not shown
    first = phone.locator("#grades tbody tr").first
    assert first.locator("td").first.get_attribute("data-label") == "Текущи оценки"
    phone.screenshot(path=str(ARTIFACTS / "10-phone-diary.png"), full_page=True)
    timetable.screenshot(path=str(ARTIFACTS / "10-phone-timetable.png"))
    # the grade trends, opened, fit too and can be read
    phone.evaluate(
        "document.querySelectorAll('#grades details').forEach((d) => { d.open = true; })"
    )
    _fits(phone)
    _labels_readable(phone, 1)
    phone.locator("#grades").screenshot(path=str(ARTIFACTS / "11-phone-trends.png"))
    first.screenshot(path=str(ARTIFACTS / "11-phone-trend-row.png"))


def test_comparison_fits_a_phone(phone, live_url):
    sid = _older_child()
    phone.goto(f"{live_url}/child/{sid}/compare")
    phone.wait_for_selector("svg.chart-comparison")
    _fits(phone)
    _labels_readable(phone, 2)
    assert phone.locator("#subjects tbody td[data-label]").count() > 0
    phone.screenshot(path=str(ARTIFACTS / "12-phone-comparison.png"), full_page=True)
    phone.locator("#distribution").screenshot(path=str(ARTIFACTS / "12-phone-distribution.png"))
    phone.locator("svg.chart-comparison").screenshot(path=str(ARTIFACTS / "12-phone-bars.png"))


def test_desktop_keeps_the_tables(live_url):
    """Above the phone breakpoint the grades, absences and timetable stay tables with headings."""
    with chromium_page(1280, 900) as tab:
        _signed_in(tab, live_url)
        assert tab.locator("#grades thead").is_visible()
        assert tab.locator("table.portal-timetable").is_visible()
        assert not tab.locator(".portal-days").is_visible()
        tab.screenshot(path=str(ARTIFACTS / "13-desktop-diary.png"), full_page=True)
        tab.goto(f"{live_url}/child/{_older_child()}/compare")
        assert tab.locator("#subjects thead").is_visible()
        tab.screenshot(path=str(ARTIFACTS / "13-desktop-comparison.png"), full_page=True)


def test_every_child_fits_a_phone(phone, live_url):
    """Also the younger child (grades I–III: marks in words, a table of counts, no charts)."""
    for sid in child_ids(ME):
        for path in (f"/child/{sid}", f"/child/{sid}/compare"):
            phone.goto(live_url + path)
            _fits(phone)
            phone.evaluate(
                "document.querySelectorAll('details').forEach((d) => { d.open = true; })"
            )
            _fits(phone)
            assert phone.evaluate(SMALL_TEXT_JS, MIN_TEXT_PX)["small"] == [], path
        phone.screenshot(path=str(ARTIFACTS / f"14-phone-compare-{sid}.png"), full_page=True)


def test_every_portal_page_fits_a_phone(phone, live_url, demo_app):
    """Issue 14: every page the demo parent reaches (crawled as the standards test does: the
    messages, the calendar, "Моите данни", the account pages, each child's pages …) fits a 390 px
    phone without sideways scrolling, its folded parts opened too."""
    from tests.standards import crawl
    from tests.standards import sign_in

    client = demo_app.test_client()
    sign_in(client, "parent", ME)
    urls = [page.url for page in crawl(client, "parent")]
    assert len(urls) >= 10 and any(u.startswith("/my-data") for u in urls), urls
    wide = {}
    for url in urls:
        phone.goto(live_url + url)
        phone.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide[url] = (width, phone.evaluate(OVERFLOW_JS))
    assert not wide, wide
