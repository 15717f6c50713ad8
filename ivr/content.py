"""What the phone line reads for each menu: a student's summary payload → Bulgarian sentences.

Pure functions (standard library, ``ivr.speech`` and the pure ``gradebook.rules`` only): each
takes the payload built by ``gradebook.summary`` and ``today`` and returns a list of sentences,
every number already spelled out in words (``ensure_no_digits`` holds for all of them).

Grades I–III (``student.qualitative``) are qualitative only (DOMAIN.md; Наредба № 11/2016): their
marks are counted ("четири Отличен и една Много добър", from each subject's ``marks``), never
averaged, so no sentence for such a pupil is built from ``overall`` or a subject's ``average``.
For IV–XII a subject's figure is the term grade once set (``final``: "срочна оценка Много добър
пет"), otherwise the forecast ("Много добър, пет цяло и двадесет и пет стотни").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from gradebook.rules import QUALITATIVE_GRADES
from gradebook.rules import SANCTION_SHORT
from gradebook.rules import SPECIAL_NEEDS_MARKS
from gradebook.rules import after_preposition
from ivr import speech

GRADES_PAGE = 5

KIND_WORDS = {
    "current": "",
    "control": "контролна",
    "classwork": "класна работа",
    "test": "тест",
    "homework": "домашна работа",
    "project": "проект",
    "entry_level": "входно ниво",
    "exit_level": "изходно ниво",
    "term": "срочна оценка",
    "annual": "годишна оценка",
}
QUALITATIVE = {2: "Незадоволителен", 3: "Среден", 4: "Добър", 5: "Много добър", 6: "Отличен"}
SOP = {
    "difficulties": "среща затруднения",
    "copes": "справя се",
    "meets": "постига изискванията",
}
EVENT_WORDS = {
    "test": "тест",
    "control": "контролна работа",  # a planned test of the tests schedule
    "classwork": "класна работа",
    "school_event": "събитие",
    "excursion": "екскурзия",
    "holiday": "празник",
    "other": "събитие",
}

_NUMBER = re.compile(r"\d+")
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})\b(?:\s*ч\.)?")
# A number that names something ("стая 101", "кабинет 21", "№ 5") is read as a name, in the
# neuter ("стая сто и едно"), not agreeing with the noun before it.
_LABEL = re.compile(r"(?i)(?:(?<!\w)(стая|кабинет|каб\.|зала|номер)|(№))\s*(\d+)(?!\d)")


def speakable(text: str) -> str:
    """Free text typed by staff, made safe for TTS: clock times and numbers become words."""

    def clock(m: re.Match[str]) -> str:
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 23 or minute > 59:
            return m.group(0).replace(":", " ")
        return speech.time_words(dt.time(hour, minute))

    def number(m: re.Match[str]) -> str:
        value = int(m.group(0))
        return (
            speech.number_words(value)
            if value <= speech.MAX_NUMBER
            else speech.spell_digits(m.group(0))
        )

    def label(m: re.Match[str]) -> str:
        value = int(m.group(3))
        said = (
            speech.number_words(value, "n")
            if value <= speech.MAX_NUMBER
            else speech.spell_digits(m.group(3))
        )
        return f"{m.group(1) or 'номер'} {said}"

    text = _TIME.sub(clock, text)
    text = _LABEL.sub(label, text)
    return _NUMBER.sub(number, text).strip()


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def _date(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def _whole(value: Decimal) -> int:
    if value < 3:
        return 2
    return int(value.quantize(Decimal("1"), rounding="ROUND_HALF_UP"))


def grade_value_words(entry: dict[str, Any]) -> str:
    """A single grade as heard: "Отличен шест", qualitative "Добър", СОП "справя се"."""
    if entry.get("sop_mark"):
        return SOP.get(entry["sop_mark"], "")
    value = Decimal(entry["value"])
    if entry.get("category") == "qualitative":
        return QUALITATIVE[_whole(value)]
    return speech.grade_phrase(value)


def average_words(entry: dict[str, Any] | None) -> str:
    """An average "Много добър, пет цяло и двадесет и пет стотни" (grades IV–XII only: I–III
    marks are counted, see :func:`subject_marks`)."""
    if not entry:
        return ""
    return speech.grade_phrase(Decimal(entry["average"]))


def _name(summary: dict[str, Any]) -> str:
    return summary.get("student", {}).get("first_name", "")


def is_qualitative(summary: dict[str, Any]) -> bool:
    """Grades I–III: marks are counted, never averaged."""
    return bool(summary.get("student", {}).get("qualitative"))


def subject_marks(entry: dict[str, Any]) -> dict[int, int]:
    """A subject's counted marks (grades I–III) as {mark: count}; {} when there are none."""
    return {int(mark): int(n) for mark, n in (entry.get("marks") or {}).items() if int(n)}


def term_marks(summary: dict[str, Any]) -> dict[int, int]:
    """All of the term's counted marks (grades I–III), every subject together."""
    total: dict[int, int] = {}
    for s in summary.get("subjects", []):
        for mark, n in subject_marks(s).items():
            total[mark] = total.get(mark, 0) + n
    return total


def _marks_said(marks: dict[int, int], count: int) -> str:
    """Counted marks in words; a payload without them (built before they were kept) still
    gives how many there are, and never an average."""
    if marks:
        return speech.marks_phrase(marks)
    return speech.count_phrase(count, "оценка") if count else ""


def _qualitative_total(summary: dict[str, Any]) -> str:
    subjects = summary.get("subjects", [])
    return _marks_said(term_marks(summary), sum(int(s.get("count") or 0) for s in subjects))


def subject_figure_words(entry: dict[str, Any]) -> str:
    """A subject's figure for the term (IV–XII): the term grade once set, "срочна оценка Много
    добър пет", otherwise the forecast "Много добър, пет цяло и двадесет и пет стотни"; the annual
    grade follows once set (", годишна оценка Отличен шест")."""
    said = speech.grade_phrase(Decimal(entry["average"]))
    if entry.get("final"):
        said = f"срочна оценка {said}"
    if entry.get("annual_grade"):
        said += f", годишна оценка {speech.grade_phrase(Decimal(entry['annual_grade']))}"
    return said


def _subject_marks_words(entry: dict[str, Any]) -> str:
    """A subject's counted marks (I–III), and the annual mark once set ("годишна оценка
    Отличен": a word, as every I–III mark)."""
    said = _marks_said(subject_marks(entry), int(entry.get("count") or 0))
    if entry.get("annual_grade"):
        annual = QUALITATIVE[_whole(Decimal(entry["annual_grade"]))]
        said = f"{said}, годишна оценка {annual}" if said else f"годишна оценка {annual}"
    return said


def _grade_sentence(g: dict[str, Any], today: dt.date) -> str:
    kind = KIND_WORDS.get(g.get("kind", ""), "")
    subject = speakable(g.get("spoken") or g.get("subject") or "")
    head = f"{subject}, {kind}" if kind else subject
    return _sentence(
        f"{head}: {grade_value_words(g)}, {speech.relative_day(_date(g['date']), today)}"
    )


# --- headline ---------------------------------------------------------------------------------


def headline(
    summary: dict[str, Any],
    today: dt.date,
    since: dt.datetime | None,
    now: dt.datetime | None = None,
) -> list[str]:
    """The one sentence right after the PIN: the overall average, then what is new since the
    last call (grades entered after ``since`` and not after ``now``, naive UTC, so that a grade
    stamped ahead of the clock is not "new" on every call; the last week on a first call) and
    today's absences. It names the child: nothing about the child is said before the PIN.
    The average is read as in every menu ("пет цяло и двадесет и пет стотни")."""
    name = _name(summary)
    out: list[str] = []
    if is_qualitative(summary):  # I–III: the term's marks counted, no average
        counted = _qualitative_total(summary)
        if counted:  # "Оценки този срок – …" would cost half a second before the marks
            out.append(_sentence(f"{name}: този срок – {counted}"))
        else:
            out.append(_sentence(f"{name} все още няма оценки този срок"))
    elif summary.get("overall"):
        said = average_words(summary["overall"])
        out.append(_sentence(f"{name}: среден успех {said}"))
    else:
        out.append(_sentence(f"{name} все още няма оценки този срок"))
    grades = summary.get("latest_grades", [])
    if since is None:
        week_ago = today - dt.timedelta(days=7)
        new = [g for g in grades if _date(g["date"]) > week_ago]
        lead = "През последната седмица"
    else:
        stamp, until = since.isoformat(), now.isoformat() if now else "9999"
        new = [g for g in grades if stamp < (g.get("created_at") or "") <= until]
        lead = "От последното ви обаждане"
    if new:
        shown = new[:3]
        parts = [
            f"{speakable(g.get('spoken') or g.get('subject') or '')} {grade_value_words(g)}"
            for g in shown
        ]
        more = len(new) - len(shown)
        listed = (
            ", ".join(parts) + f" и още {speech.number_words(more, 'f')}"
            if more > 0
            else (speech.join_list(parts))
        )
        text = f"{lead}: {speech.count_phrase(len(new), 'оценка')} – {listed}"
        out.append(_sentence(text))
    elif grades:
        out.append(_sentence(f"{lead} няма нови оценки"))
    todays = [a for a in summary.get("recent_absences", []) if a["date"] == today.isoformat()]
    if todays:
        out.append(_sentence(f"Днес: {_absence_counts(todays)}"))
    return out


def _absence_counts(items: list[dict[str, Any]]) -> str:
    counts = {"excused": 0, "unexcused": 0, "late": 0}
    for a in items:
        counts[a["kind"]] = counts.get(a["kind"], 0) + 1
    parts = []
    if counts["unexcused"]:
        parts.append(speech.count_phrase(counts["unexcused"], "неуважително отсъствие"))
    if counts["excused"]:
        parts.append(speech.count_phrase(counts["excused"], "уважително отсъствие"))
    if counts["late"]:
        parts.append(speech.count_phrase(counts["late"], "закъснение"))
    return speech.join_list(parts)


# --- menus ------------------------------------------------------------------------------------


def latest_grades(
    summary: dict[str, Any], today: dt.date, offset: int = 0, page: int = GRADES_PAGE
) -> tuple[list[str], bool]:
    """Menu 1: a page of the latest grades, newest first; returns (sentences, more_left)."""
    grades = summary.get("latest_grades", [])
    if not grades:
        return [_sentence(f"{_name(summary)} все още няма оценки")], False
    chunk = grades[offset : offset + page]
    out = []
    if offset == 0:
        out.append(_sentence(f"Последни оценки на {_name(summary)}"))
    out += [_grade_sentence(g, today) for g in chunk]
    return out, offset + page < len(grades)


_PG_TODAY = {
    "present": "Днес детето е в групата.",
    "excused": "Днес детето отсъства по уважителни причини.",
    "unexcused": "Днес детето отсъства по неуважителни причини.",
}


def pg_days(days: dict[str, Any], today: dt.date) -> list[str]:
    """Menu 2 for a child of a preparatory group, which keeps days, not lessons: today's mark,
    the year's days in the group and absent days, and the latest absent day."""
    out: list[str] = []
    recent = days.get("recent", [])
    todays = [d for d in recent if d["date"] == today.isoformat()]
    if todays:
        out.append(_PG_TODAY[todays[0]["kind"]])
    if not any(days.get(k) for k in ("present", "excused", "unexcused")):
        return out + ["Няма отбелязано присъствие от началото на годината."]
    parts = [speech.count_phrase(days.get("present", 0), "ден") + " в групата"] + [
        speech.count_phrase(n, noun)
        for n, noun in (
            (days.get("excused", 0), "уважително отсъствие"),
            (days.get("unexcused", 0), "неуважително отсъствие"),
        )
        if n
    ]
    out.append(_sentence(f"От началото на годината: {speech.join_list(parts)}"))
    absent = [d for d in recent if d["kind"] != "present" and d["date"] != today.isoformat()]
    if absent:
        last = absent[0]
        kind = "уважително" if last["kind"] == "excused" else "неуважително"
        when = _on_day(_date(last["date"]), today)
        out.append(_sentence(f"Последно отсъствие: {kind}, {when}"))
    return out


def absences(summary: dict[str, Any], today: dt.date) -> list[str]:
    """Menu 2: today's absences first, then this term's totals with the weighted total; for a
    preparatory group its days instead (:func:`pg_days`)."""
    if summary.get("pg_days") is not None:
        return pg_days(summary["pg_days"], today)
    out: list[str] = []
    recent = summary.get("recent_absences", [])
    todays = [a for a in recent if a["date"] == today.isoformat()]
    if todays:
        periods = sorted({a["period"] for a in todays if a["period"] > 0})
        text = f"Днес: {_absence_counts(todays)}"
        if periods:
            ordinals = speech.join_list([speech.ordinal_words(p) for p in periods])
            text += f", {speech.with_preposition('в', ordinals)} час"
        out.append(_sentence(text))
    totals = summary.get("absences") or {}
    if not any(totals.get(k) for k in ("excused", "unexcused", "lates")):
        out.append("Няма отсъствия и закъснения този срок.")
        return out
    parts = [  # a count of zero is not read out
        speech.count_phrase(n, noun)
        for n, noun in (
            (totals.get("excused", 0), "уважително отсъствие"),
            (totals.get("unexcused", 0), "неуважително отсъствие"),
            (totals.get("lates", 0), "закъснение"),
        )
        if n
    ]
    out.append(_sentence(f"Този срок: {speech.join_list(parts)}"))
    weighted = Decimal(str(totals.get("weighted", "0")))
    if weighted and totals.get("lates"):  # without lates it is the count just said
        total = speech.halves_phrase(weighted, "неуважително отсъствие")
        out.append(_sentence(f"Общо {total}, като всяко закъснение се брои за половин отсъствие"))
    return out


YEAR_OUTCOMES = {1: "завършва класа", 3: "повтаря класа"}


def year_result(result: dict[str, Any] | None) -> list[str]:
    """The year's result, once the class teacher has entered it: first grade's overall result
    ("Общ годишен резултат: Много добър."), the annual result of V–XII ("Годишен резултат:
    полага поправителни изпити по математика.") and, after the retakes, the final one."""
    if not result:
        return []
    if result.get("kind") == "pg":
        return pg_results(result.get("subjects", []))
    if result.get("kind") == "first_grade":
        if result.get("qualitative") in QUALITATIVE_GRADES:
            word = QUALITATIVE_GRADES[result["qualitative"]]
        elif result.get("special") in SPECIAL_NEEDS_MARKS:
            word = SPECIAL_NEEDS_MARKS[result["special"]]
        else:
            return []
        return [_sentence(f"Общ годишен резултат: {word}")]
    initial = result.get("initial")
    if initial in YEAR_OUTCOMES:
        return [_sentence(f"Годишен резултат: {YEAR_OUTCOMES[initial]}")]
    if initial != 2:
        return []
    names = [
        after_preposition(speakable(name[:1].lower() + name[1:]))
        for name in result.get("subjects", [])
        if name
    ]
    exams = f" по {speech.join_list(names)}" if names else ""
    out = [_sentence(f"Годишен резултат: полага поправителни изпити{exams}")]
    if result.get("final") in YEAR_OUTCOMES:
        out.append(_sentence(f"След поправителните изпити: {YEAR_OUTCOMES[result['final']]}"))
    return out


PG_RESULT_SPOKEN = 300  # characters of one result read out; the whole text is in the portal


def _cut(text: str) -> tuple[str, bool]:
    """A result's text for speech: whole up to :data:`PG_RESULT_SPOKEN` characters, else cut at
    the last sentence (or word) end before it; says whether it was cut."""
    text = " ".join(text.split())
    if len(text) <= PG_RESULT_SPOKEN:
        return text, False
    head = text[:PG_RESULT_SPOKEN]
    end = max(head.rfind(". "), head.rfind("! "), head.rfind("? "))
    return (head[: end + 1] if end > 0 else head.rsplit(" ", 1)[0]), True


def pg_results(subjects: list[dict[str, Any]]) -> list[str]:
    """A preparatory group's results by subject (образователно направление): the end of the
    year's once written, else the start's; a long text is cut at a sentence and the parent is
    told that the whole of it is in the portal."""
    out: list[str] = []
    cut_any = False
    for s in subjects:
        when, text = (
            ("в края на годината", s.get("end"))
            if s.get("end")
            else (
                "в началото на годината",
                s.get("start"),
            )
        )
        if not text:
            continue
        said, cut = _cut(text)
        cut_any = cut_any or cut
        out.append(_sentence(f"{speakable(s['name'])}, {when}: {speakable(said)}"))
    if not out:
        return []
    out.insert(0, "Резултати от подготвителната група.")
    if cut_any:
        out.append("Целият текст на резултатите е в портала.")
    return out


def averages(summary: dict[str, Any], today: dt.date) -> list[str]:
    """Menu 3: the year's result once entered (:func:`year_result`), then the overall average
    and each subject's figure (IV–XII); in grades I–III the term's marks counted, in all and per
    subject, never averaged; a preparatory group has no grades, only its results (at the start
    and at the end of the year)."""
    said = year_result(summary.get("year_result"))
    if summary.get("pg_days") is not None:
        return said or [
            "В подготвителната група не се пишат оценки. Резултатите на детето се вписват в "
            "началото и в края на учебната година."
        ]
    return said + _term_figures(summary)


def _term_figures(summary: dict[str, Any]) -> list[str]:
    if is_qualitative(summary):
        counted = _qualitative_total(summary)
        if not counted:
            return [_sentence(f"{_name(summary)} все още няма оценки този срок")]
        out = [_sentence(f"Оценки този срок: {counted}")]
        for s in summary.get("subjects", []):
            said = _subject_marks_words(s)
            if said:
                out.append(_sentence(f"{speakable(s.get('spoken') or s['name'])}: {said}"))
        return out
    if not summary.get("overall"):
        return [_sentence(f"{_name(summary)} все още няма оценки този срок")]
    out = [_sentence(f"Среден успех: {average_words(summary['overall'])}")]
    for s in summary.get("subjects", []):
        if s.get("average"):
            out.append(
                _sentence(f"{speakable(s.get('spoken') or s['name'])}: {subject_figure_words(s)}")
            )
    return out


def remarks(summary: dict[str, Any], today: dt.date) -> list[str]:
    """Menu 4: the year's sanctions first (ЗПУО чл. 199: a parent expects to hear of one where
    the remarks are), the class book's notes about the child or the class ("a note from the
    school"), then praises and remarks, newest first."""
    out = [_sanction_sentence(s, today) for s in summary.get("sanctions", [])]
    for note in summary.get("notes", []):
        when = speech.relative_day(_date(note["date"]), today)
        out.append(_sentence(f"Бележка от училището, {when}: {speakable(note['text'])}"))
    items = summary.get("remarks", [])
    if not items:
        return [*out, "Няма забележки и похвали."]
    for r in items:
        word = "Похвала" if r["kind"] == "praise" else "Забележка"
        when = speech.relative_day(_date(r["date"]), today)
        subject = f" по {after_preposition(speakable(r['subject']))}" if r.get("subject") else ""
        out.append(_sentence(f"{word}{subject}, {when}: {speakable(r['text'])}"))
    return out


def _sanction_sentence(item: dict[str, Any], today: dt.date) -> str:
    kind = SANCTION_SHORT.get(int(item.get("kind") or 0), "санкция")
    when = speech.relative_day(_date(item["date"]), today)
    if item.get("cancelled"):
        return _sentence(f"Санкцията „{kind}“ от {when} е отменена")
    return _sentence(f"Наложена е санкция „{kind}“ от {when}")


def coming(summary: dict[str, Any], today: dt.date) -> list[str]:
    """Menu 5: coming tests and events, then parent meetings."""
    out = []
    for e, when, at in _upcoming(summary.get("events", []), today):
        out.append(_sentence(f"{when}{at}: {speakable(e['title'])}"))
    for m, when, at in _upcoming(summary.get("meetings", []), today):
        place = f", {speakable(m['place'])}" if m.get("place") else ""
        out.append(_sentence(f"Родителска среща {when}{at}{place}"))
    return out or ["Няма предстоящи контролни, събития и родителски срещи."]


def _upcoming(
    items: list[dict[str, Any]], today: dt.date
) -> Iterator[tuple[dict[str, Any], str, str]]:
    """The items from ``today`` on, each with its day in words and `` от <time>`` when it has
    a time (else "")."""
    for item in items:
        day = _date(item["date"])
        if day < today:
            continue
        time = item.get("time")
        at = f" от {speech.time_words(dt.time.fromisoformat(time))}" if time else ""
        yield item, _on_day(day, today), at


def _on_day(day: dt.date, today: dt.date) -> str:
    """ "днес", "утре", or the weekday with its preposition and the date: "в сряда, двадесет и
    пети ноември", "във вторник, …"."""
    when = speech.relative_day(day, today)
    if day > today + dt.timedelta(days=1):
        when = f"{speech.on_weekday(day.isoweekday())}, {when}"
    return when


def next_school_day(today: dt.date) -> dt.date:
    """Tomorrow, or Monday on Friday, Saturday and Sunday."""
    day = today + dt.timedelta(days=1)
    while day.isoweekday() > 5:
        day += dt.timedelta(days=1)
    return day


FREE_HOUR = "свободен час"  # a lesson not held: its teacher is absent and nobody substitutes


def _run_words(name: str, count: int) -> str:
    """ "Математика", "два часа Математика", "свободен час", "два свободни часа"."""
    if count == 1:
        return name
    hours = speech.count_phrase(count, "час")  # "два часа"
    if name == FREE_HOUR:
        number, _, word = hours.partition(" ")
        return f"{number} свободни {word}"
    return f"{hours} {name}"


def timetable(summary: dict[str, Any], today: dt.date) -> list[str]:
    """Menu 6: tomorrow's timetable (Monday's on Friday and at the weekend), then the homework
    due that day (:func:`homework_due`)."""
    day = next_school_day(today)
    term = summary.get("term")
    slots = [
        s
        for s in summary.get("timetable", {}).get(str(day.isoweekday()), [])
        if s.get("term") in (None, term)
    ]
    label = "Утре" if day == today + dt.timedelta(days=1) else speech.on_weekday(day.isoweekday())
    if not slots:
        return [_sentence(f"{label} няма часове в програмата"), *homework_due(summary, day, today)]
    slots.sort(key=lambda s: s["period"])
    free = set(summary.get("free_hours", {}).get(day.isoformat(), []))  # a teacher absent
    held = [s for s in slots if s["period"] not in free]
    if not held:
        return [_sentence(f"{label} всички часове са свободни, учителят отсъства")]
    first = held[0]
    start = (
        f", от {speech.time_words(dt.time.fromisoformat(first['starts']))}"
        if first.get("starts")
        else ""
    )
    out = [_sentence(f"{label} {speech.count_phrase(len(held), 'урок')}{start}")]
    runs: list[list[Any]] = []  # consecutive lessons of one subject: "два часа Математика"
    for s in slots:
        if s["period"] in free and s["period"] < first["period"]:
            continue  # a free first hour: the day starts later
        name = FREE_HOUR if s["period"] in free else speakable(s.get("spoken") or s["subject"])
        if runs and runs[-1][0] == name:
            runs[-1][1] += 1
        else:
            runs.append([name, 1])
    names = [_run_words(name, n) for name, n in runs]
    out.append(_sentence(speech.join_list(names)))
    return out + homework_due(summary, day, today)


# What teachers abbreviate in homework, read out in full ("стр. 45" → "страница четиридесет и пет").
_HOMEWORK_WORDS = {
    "стр": "страница",
    "упр": "упражнение",
    "зад": "задача",
    "ур": "урок",
    "тетр": "тетрадка",
}
_ABBREVIATION = re.compile(r"(?i)(?<!\w)(" + "|".join(_HOMEWORK_WORDS) + r")\.")


# A number after these words names the page or the exercise: read as a label, in the neuter
# ("упражнение две", "урок едно"), as ``speakable`` reads "стая сто и едно".
_NUMBERED = re.compile(r"(?i)(?<!\w)(страница|упражнение|задача|урок)\s+(\d{1,6})(?!\d)")


def _homework_text(text: str) -> str:
    def full(m: re.Match[str]) -> str:
        return _HOMEWORK_WORDS[m.group(1).casefold()]

    def label(m: re.Match[str]) -> str:
        return f"{m.group(1)} {speech.number_words(int(m.group(2)), 'n')}"

    text = _ABBREVIATION.sub(full, " ".join(text.split()))
    return speakable(_NUMBERED.sub(label, text))


def homework_due(summary: dict[str, Any], day: dt.date, today: dt.date) -> list[str]:
    """The homework due on ``day`` (the day menu 6 reads), after its timetable: "За утре:
    домашно по Математика: …", then "Домашно по Английски език: …", one sentence a homework,
    each naming its subject; "За утре няма записано домашно." when there is none. Chosen here,
    when the summary is read: what is due "tomorrow" depends on the day of the call."""
    items = [h for h in summary.get("homework", []) if h.get("due_on") == day.isoformat()]
    when = "утре" if day == today + dt.timedelta(days=1) else speech.weekday_name(day.isoweekday())
    if not items:
        return [_sentence(f"За {when} няма записано домашно")]
    out = []
    for i, item in enumerate(items):
        subject = after_preposition(speakable(item.get("spoken") or item["subject"]))
        lead = f"За {when}: домашно" if i == 0 else "Домашно"
        out.append(_sentence(f"{lead} по {subject}: {_homework_text(item['text'])}"))
    return out


def compare(summary: dict[str, Any], group: dict[str, Any] | None, today: dt.date) -> list[str]:
    """Menu 7: the child's averages beside the class's (anonymous; hidden for small groups).

    Grades I–III get no comparison on the phone: their marks are never averaged, so there is no
    "над/под средния" to say, and the class's counts of every mark in every subject are too long
    to follow by ear; the portal shows them (``COMPARE_QUALITATIVE``)."""
    if is_qualitative(summary):
        return list(COMPARE_QUALITATIVE)
    if not group or group.get("hidden") or not group.get("overall"):
        return ["Сравнение с класа не е налично."]
    if not summary.get("overall"):
        return [_sentence(f"{_name(summary)} все още няма оценки този срок")]
    own = Decimal(summary["overall"]["average"])
    cls = Decimal(group["overall"]["average"])
    relation = "над" if own > cls else "под" if own < cls else "равен на"
    out = [
        _sentence(
            f"Успехът на {_name(summary)} е {average_words(summary['overall'])}, "
            f"{relation} средния за класа: {average_words(group['overall'])}"
        )
    ]
    higher, lower = [], []
    for s in summary.get("subjects", []):
        class_avg = group.get("subjects", {}).get(str(s["subject_id"]))
        if not class_avg or not s.get("average"):
            continue
        diff = Decimal(s["average"]) - Decimal(class_avg)
        if diff >= Decimal("0.5"):
            higher.append(after_preposition(speakable(s.get("spoken") or s["name"])))
        elif diff <= Decimal("-0.5"):
            lower.append(after_preposition(speakable(s.get("spoken") or s["name"])))
    if higher:
        out.append(_sentence(f"Над класа по {speech.join_list(higher)}"))
    if lower:
        out.append(_sentence(f"Под класа по {speech.join_list(lower)}"))
    return out


COMPARE_QUALITATIVE = (
    "В първи до трети клас оценките са качествени и не се осредняват, "
    "затова сравнение със средния успех на класа няма.",
    "Колко от всяка оценка има в класа, вижте в уеб портала.",
)

MENU_TITLES = {
    "1": "последни оценки",
    "2": "отсъствия",
    "3": "успех по предмети",
    "4": "забележки и похвали",
    "5": "предстоящи събития",
    "6": "програма за утре",
    "7": "сравнение с класа",
}
