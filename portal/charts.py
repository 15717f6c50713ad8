"""Server-rendered SVG charts (no JavaScript, no CDN): a grade trend per subject over the term and
the class distribution with the child's bin marked.

The charts are drawn for a phone first (issue 14): a ``viewBox`` about as wide as a 390 px screen's
content, scaled to the width (``width="100%"``), with labels of 13–15 user units so that they
render at 12 px or more there; long labels wrap or sit above their bars rather than beside them.

Each chart is an ``<svg role="img">`` with ``<title>`` and ``<desc>`` (referenced by
``aria-labelledby``) that say in words what the picture shows, so a screen reader gets the same
information; the child's bar is marked by a pattern *and* a text label, not by colour alone.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup
from markupsafe import escape

from gradebook import rules

_ids = itertools.count(1)

INK = "#1d2430"
MUTED = "#5a6472"
GRID = "#d5dae1"
ACCENT = "#0b5cad"
CHILD = "#b35c00"
LABEL = 13  # user units: ≥ 12 px once the chart is scaled to a 390 px phone's width


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, title: str, desc: str, body: list[str], css: str) -> Markup:
    uid = next(_ids)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" role="img" '
        f'aria-labelledby="chart-t{uid} chart-d{uid}">'
        f'<title id="chart-t{uid}">{escape(title)}</title>'
        f'<desc id="chart-d{uid}">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def trend_svg(
    subject: str,
    points: Sequence[tuple[dt.date, Decimal]],
    start: dt.date,
    end: dt.date,
    width: int = 320,
    height: int = 124,
    *,
    term_grade: Decimal | None = None,
    qualitative: bool = False,
) -> Markup:
    """Grades of one subject over the term (x: date from ``start`` to ``end``, y: 2–6), with a
    dashed line at the running mean (the forecast).

    ``term_grade``: the term grade once set, drawn as a solid line and named in the description
    (it, not the forecast, is the term's figure). ``qualitative`` (grades I–III): no mean at all;
    the description counts the marks (``rules.qualitative_text``)."""
    left, right, top, bottom = 30, 8, 8, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max(1, (end - start).days)

    def x(day: dt.date) -> float:
        return left + plot_w * min(max((day - start).days, 0), span) / span

    def y(value: Decimal) -> float:
        return top + plot_h * (6 - float(value)) / 4

    body = []
    for mark in range(2, 7):
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_num(y(Decimal(mark)))}" '
            f'y2="{_num(y(Decimal(mark)))}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{_num(y(Decimal(mark)) + 4)}" font-size="{LABEL}" '
            f'text-anchor="end" fill="{MUTED}">{mark}</text>'
        )
    body.append(
        f'<text x="{left}" y="{height - 4}" font-size="{LABEL}" fill="{MUTED}">'
        f"{escape(rules.format_date_bg(start))}</text>"
        f'<text x="{width - right}" y="{height - 4}" font-size="{LABEL}" text-anchor="end" '
        f'fill="{MUTED}">{escape(rules.format_date_bg(end))}</text>'
    )
    ordered = sorted(points, key=lambda p: p[0])
    if ordered:
        coords = " ".join(f"{_num(x(d))},{_num(y(v))}" for d, v in ordered)
        body.append(f'<polyline points="{coords}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
        running: list[str] = []
        seen: list[Decimal] = []
        for d, v in ordered:
            seen.append(v)
            mean = rules.average(seen) or v
            running.append(f"{_num(x(d))},{_num(y(mean))}")
        if len(ordered) > 1 and not qualitative:
            body.append(
                f'<polyline points="{" ".join(running)}" fill="none" stroke="{CHILD}" '
                f'stroke-width="1.5" stroke-dasharray="4 3"/>'
            )
        for d, v in ordered:
            body.append(
                f'<circle cx="{_num(x(d))}" cy="{_num(y(v))}" r="3.5" fill="{ACCENT}">'
                f"<title>{escape(rules.format_date_bg(d))}: {escape(_point_label(v, qualitative))}"
                "</title></circle>"
            )
    if term_grade is not None:
        body.append(
            f'<line class="term-grade" x1="{left}" x2="{width - right}" '
            f'y1="{_num(y(term_grade))}" y2="{_num(y(term_grade))}" stroke="{INK}" '
            f'stroke-width="1.5"><title>Срочна оценка: {escape(rules.grade_text(term_grade, 0))}'
            "</title></line>"
        )
    if qualitative:
        listed = "; ".join(
            f"{rules.format_date_bg(d)} — {rules.qualitative_word(rules.whole_mark(v))}"
            for d, v in ordered
        )
        summary = rules.qualitative_text(rules.whole_mark(v) for _, v in ordered)
        desc = (
            f"Оценки по {subject}: {listed}. Общо: {summary}."
            if ordered
            else f"Още няма оценки по {subject} за срока."
        )
        return _svg(width, height, f"Оценките по {subject}", desc, body, "chart-trend")
    listed = "; ".join(
        f"{rules.format_date_bg(d)} — {rules.format_decimal_bg(v)}" for d, v in ordered
    )
    mean = rules.average(v for _, v in ordered)
    desc = (
        f"Оценки по {subject}: {listed}. Прогноза (средно): {rules.format_decimal_bg(mean)}."
        if ordered
        else f"Още няма оценки по {subject} за срока."
    )
    if term_grade is not None:
        desc += f" Срочна оценка: {rules.grade_text(term_grade, 0)}."
    return _svg(width, height, f"Развитие на оценките по {subject}", desc, body, "chart-trend")


def distribution_svg(
    bins: Sequence[tuple[str, int]],
    child_bin: int | None,
    subject: str = "общ успех",
    width: int = 360,
    height: int = 250,
) -> Markup:
    """Bars: how many students of the class fall in each band of the scale; the child's bar is
    hatched and labelled "вашето дете". Under each bar: its word (two words on two lines) and
    its range."""
    left, right, top, bottom = 8, 8, 26, 72
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([c for _, c in bins] + [1])
    slot = plot_w / max(1, len(bins))
    bar_w = slot * 0.7
    body = [
        '<defs><pattern id="child-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{CHILD}"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern></defs>',
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{INK}" stroke-width="1"/>',
    ]
    for i, (label, count) in enumerate(bins):
        h = plot_h * count / peak
        bx = left + slot * i + (slot - bar_w) / 2
        by = top + plot_h - h
        is_child = i == child_bin
        fill = "url(#child-hatch)" if is_child else ACCENT
        cls = ' class="bar child"' if is_child else ' class="bar"'
        body.append(
            f'<rect{cls} x="{_num(bx)}" y="{_num(by)}" width="{_num(bar_w)}" '
            f'height="{_num(h)}" fill="{fill}"'
            + (f' stroke="{INK}" stroke-width="1.5"' if is_child else "")
            + f"><title>{escape(label)}: {count}</title></rect>"
        )
        body.append(
            f'<text x="{_num(bx + bar_w / 2)}" y="{_num(by - 4)}" font-size="{LABEL + 2}" '
            f'text-anchor="middle" fill="{INK}">{count}</text>'
        )
        word = label.split(" (")[0]
        rng = label[len(word) :].strip(" ()")
        centre = _num(bx + bar_w / 2)
        for line, text in enumerate(word.split(" ", 1)):
            body.append(
                f'<text x="{centre}" y="{top + plot_h + 16 + 15 * line}" font-size="{LABEL + 1}" '
                f'text-anchor="middle" fill="{INK}">{escape(text)}</text>'
            )
        body.append(
            f'<text x="{centre}" y="{top + plot_h + 47}" font-size="{LABEL}" '
            f'text-anchor="middle" fill="{MUTED}">{escape(rng)}</text>'
        )
        if is_child:
            # wider than its bar: at the first or last bar it keeps inside the picture
            anchor, at = "middle", centre
            if i == 0:
                anchor, at = "start", _num(bx)
            elif i == len(bins) - 1:
                anchor, at = "end", _num(bx + bar_w)
            body.append(
                f'<text class="child-label" x="{at}" y="{top + plot_h + 65}" '
                f'font-size="{LABEL + 1}" font-weight="bold" text-anchor="{anchor}" '
                f'fill="{CHILD}">▲ вашето дете</text>'
            )
    total = sum(c for _, c in bins)
    parts = "; ".join(f"{label}: {count}" for label, count in bins)
    where = (
        f" Вашето дете е в групата „{bins[child_bin][0]}“."
        if child_bin is not None
        else " Вашето дете още няма оценки."
    )
    desc = f"Разпределение на {total} ученици от класа по {subject}: {parts}.{where}"
    return _svg(
        width, height, f"Разпределение в класа — {subject}", desc, body, "chart-distribution"
    )


def comparison_svg(
    rows: Sequence[tuple[str, Decimal | None, Decimal | None, Decimal | None]],
    width: int = 360,
) -> Markup:
    """Horizontal bars per subject: the child, the class and the year group (2–6 scale); each
    subject's name stands above its three bars, so that it can be long and still large."""
    left, right, top = 0, 8, 30
    row_h = 54
    height = top + row_h * len(rows) + 20  # the scale's marks under the bars
    plot_w = width - left - right
    series = (("Детето", CHILD, 0), ("Класът", ACCENT, 1), ("Випускът", "#7a8699", 2))

    def bx(value: Decimal) -> float:
        return plot_w * (float(value) - 2) / 4

    body = []
    for i, (name, color, _k) in enumerate(series):
        body.append(
            f'<rect x="{left + i * 110}" y="5" width="13" height="13" fill="{color}"/>'
            f'<text x="{left + i * 110 + 18}" y="17" font-size="{LABEL + 1}" fill="{INK}">'
            f"{name}</text>"
        )
    marks = [(mark, _num(left + bx(Decimal(mark)))) for mark in range(2, 7)]
    for mark, at in marks:
        anchor = "start" if mark == 2 else "end" if mark == 6 else "middle"
        body.append(
            f'<text x="{at}" y="{height - 4}" font-size="{LABEL}" text-anchor="{anchor}" '
            f'fill="{MUTED}">{mark}</text>'
        )
    for r, (subject, *values) in enumerate(rows):
        y0 = top + r * row_h
        body.append(
            f'<text x="{left}" y="{y0 + 14}" font-size="{LABEL + 1}" fill="{INK}">'
            f"{escape(subject if len(subject) <= 40 else subject[:39] + '…')}</text>"
        )
        body.extend(  # the scale behind the bars, not across the subject's name
            f'<line x1="{at}" x2="{at}" y1="{y0 + 18}" y2="{y0 + 50}" stroke="{GRID}" '
            'stroke-width="1"/>'
            for _, at in marks
        )
        for k, (_name, color, _) in enumerate(series):
            value = values[k]
            if value is None:
                continue
            body.append(
                f'<rect x="{left}" y="{y0 + 20 + k * 10}" width="{_num(max(2.0, bx(value)))}" height="8" '
                f'fill="{color}"><title>{escape(rules.format_decimal_bg(value))}</title></rect>'
            )
    desc = "; ".join(
        f"{s}: дете {_fmt(c)}, клас {_fmt(k)}, випуск {_fmt(v)}" for s, c, k, v in rows
    )
    return _svg(
        width, height, "Детето, класът и випускът по предмети", desc, body, "chart-comparison"
    )


def _point_label(value: Decimal, qualitative: bool) -> str:
    return (
        rules.qualitative_word(rules.whole_mark(value))
        if qualitative
        else rules.format_decimal_bg(value)
    )


def _fmt(value: Decimal | None) -> str:
    return rules.format_decimal_bg(value) if value is not None else "няма данни"
