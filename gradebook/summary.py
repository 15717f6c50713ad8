"""Read models the phone line and the portal read: prepared when the data changes, not when a
parent calls, so that an IVR step is one indexed read.

Contract:

* ``refresh_students(year, student_ids)`` rebuilds the ``StudentSummary`` of several pupils (a
  grade column) and the class aggregate ``GroupSummary`` of each of their classes for the term
  inside the caller's transaction, in a fixed number of statements (the payloads built
  together, stored by ``gradebook.summary_store`` in one UPSERT); ``refresh_student`` is it for
  one pupil. Neither commits. ``build_payloads(year, ids, parts)`` builds only some groups of
  sections (:data:`PARTS`: those read from the grades, from the absences, the rest), for
  ``gradebook.summary_sections``, which refreshes after a grade or absence save only those and
  keeps the others from the stored payloads when they are today's (its module doc has the rule).
* ``rebuild_school(school_id)`` rebuilds every summary of the school's current year in bulk
  (a handful of queries for the whole school, then one bulk insert); it never commits.
* ``get_summary(student_id, school_year_id) -> dict`` reads the payload, building it on a miss
  (or when it was built for another term or an older payload version).
* ``get_class_summary(class_id, school_year_id, term) -> dict | None`` the anonymous class
  aggregate (``None`` when missing; ``hidden`` when fewer than ``MIN_GROUP`` pupils).

Payload (JSON; decimals as strings "5.25", dates ISO, datetimes naive UTC ISO)::

    {"v": 2, "term": 1, "computed_on": "2026-11-25",
     "student": {"id", "first_name", "last_name", "gender", "class_id", "class_name",
                 "grade_level", "shift", "qualitative"},
     "overall": {"average": "4.83", "word": "Много добър"} | None,     # общ успех of the term
     "subjects": [{"subject_id", "name", "spoken", "average", "word", "final", "forecast",
                   "count", "term_grade", "annual_grade", "marks"}],
     "latest_grades": [{"subject_id", "subject", "spoken", "value", "sop_mark", "category",
                        "kind", "date", "created_at"}],        # newest first, at most 30
     "absences": {"excused", "unexcused", "lates", "weighted"},  # this term
     "recent_absences": [{"date", "period", "kind", "subject"}], # newest first, at most 30
     "remarks": [{"kind", "text", "date", "subject"}],           # newest first, at most 10
     "sanctions": [{"kind", "date", "cancelled"}],               # the year's, newest first
     "notes": [{"date", "text", "about_child"}],  # class-book notes, newest first, at most 5
     "year_result": {"kind": "first_grade"|"annual"|"pg", …} | None,  # record_read.year_re…
     "events": [{"kind", "title", "date", "time", "subject", "school_wide"}],  # coming, with
                                             # the planned tests (kind control / classwork)
     "meetings": [{"date", "time", "place", "topic", "school_wide"}],          # coming
     "timetable": {"1": [{"period", "subject", "spoken", "starts", "ends", "term"}], …},
     "free_hours": {"2026-11-26": [3], …},  # lessons not held: a teacher absent, no substitute
     "homework": [{"subject", "spoken", "text", "date", "due_on"}],  # due from computed_on on
     "homework_until": None | "2026-12-10"}  # the list was cut: complete up to that day

``homework`` holds the class's homework due on ``computed_on`` or later (at most
``COMING_HOMEWORK``, soonest first): what is due on a given day is chosen when it is read (the
phone's "за утре"), so a payload built on an earlier day stays right — what it holds beyond the
reader's day is only more than needed, and a homework given, corrected or deleted refreshes the
class's payloads.

A subject's ``average``/``word`` is its figure for the term (``rules.term_figure``): the term grade
(срочна) once the teacher has set it (``final`` true, "5.00"), otherwise the forecast, the mean of
the term's current grades (``forecast`` always holds that mean, or null). ``overall`` is the mean
of those figures (``rules.overall_success``), and the class aggregate averages the same figures, so
the phone line, the portal and the comparison say the same number. ``annual_grade`` is the
годишна once set. For grades I–III (``student.qualitative``) ``marks`` counts the term's current
marks by whole mark ({"6": 4, "5": 1}; ``None`` for IV–XII): the phone line speaks those counts
and never the averages, which stay in the payload only for the IV–XII code paths.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import lesson_cover
from gradebook import record_read
from gradebook import rules
from gradebook import summary_store
from gradebook.summary_store import GROUP_SOURCE
from gradebook.summary_store import MIN_GROUP
from gradebook.summary_store import avg_entry
from gradebook.summary_store import dec
from models import Absence
from models import BellTime
from models import Enrollment
from models import Event
from models import Exam
from models import Grade
from models import GroupSummary
from models import Homework
from models import ParentMeeting
from models import Remark
from models import SchoolClass
from models import SchoolYear
from models import Student
from models import StudentSummary
from models import Subject
from models import TimetableSlot
from models import db
from models import utcnow

PAYLOAD_VERSION = 11  # 3: subject figures are the set term grade, else the forecast;
# 4: grades I–III carry their marks counted per subject (``marks``) for the phone line;
# 5: the class's homework not yet due (``homework``);
# 6: ``events`` holds the class's planned tests too (kind control/classwork, the tests schedule);
# 7: ``free_hours``, the lessons not held (a teacher absent, no substitute)
# 8: ``pg_days``, a preparatory group's daily attendance (None for a class with lessons)
# 9: ``notes``, the class book's notes about the pupil or the whole class
# 10: ``year_result``, first grade's overall result or the annual result (V–XII)
# 11: ``year_result`` also a preparatory group's results by subject (kind ``pg``)
LATEST_GRADES = 30
RECENT_ABSENCES = 30
LATEST_REMARKS = 10
COMING_DAYS = 60
COMING_HOMEWORK = 40

# The groups of the payload's sections by what they are read from (``build_payloads(parts=…)``;
# the keys of each: ``gradebook.summary_sections.SECTIONS``)
GRADES = "grades"
ABSENCES = "absences"
RECORD = "record"  # the rest: remarks, sanctions, notes, ПГ days, the year's result, the class's
PARTS = (GRADES, ABSENCES, RECORD)  # coming events, meetings, homework, timetable, free hours

__all__ = [
    "ABSENCES",
    "GRADES",
    "MIN_GROUP",
    "PARTS",
    "RECORD",
    "build_payloads",
    "get_class_summary",
    "get_summary",
    "is_fresh",
    "rebuild_school",
    "refresh_student",
    "refresh_students",
    "store_refreshed",
]


def _marks(values: Iterable[Decimal]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        counts[str(rules.whole_mark(value))] += 1
    return dict(counts)


def _spoken(subject: Any) -> str:
    return subject.spoken_name or subject.name


def _coming(
    model: Any,
    school_id: int,
    year_id: int,
    today: dt.date,
    horizon: dt.date,
    class_ids: set[int],
) -> tuple[Any, ...]:
    """The filter of a year's coming events or meetings (``model``) up to ``horizon``: those of
    these classes and the school-wide ones."""
    return (
        model.school_id == school_id,
        model.school_year_id == year_id,
        model.date >= today,
        model.date <= horizon,
        sa.or_(model.class_id.is_(None), model.class_id.in_(class_ids or [-1])),
    )


def build_payloads(
    school_year: SchoolYear,
    student_ids: Iterable[int] | None = None,
    parts: Iterable[str] = PARTS,
) -> dict[int, dict[str, Any]]:
    """Compute the payloads of the given students (all enrolled in the year when None).

    A fixed number of queries whatever the number of students: grades, absences, remarks,
    events, meetings, timetable and bell times are each read once for the whole set.

    ``parts`` chooses the groups of sections built (:data:`PARTS`); the pupils, the subjects
    and the header (``v``, ``term``, ``computed_on``, ``term2_starts_on``, ``student``) always
    are. Fewer than all :data:`PARTS` give partial payloads, which only
    ``gradebook.summary_sections`` completes from the stored ones.
    """
    today = clock.today()
    term = school_year.term_of(today)
    school_id = school_year.school_id
    year_id = school_year.id
    wanted = None if student_ids is None else sorted(set(student_ids))
    if wanted is not None and not wanted:
        return {}

    def only(column: Any) -> Any:
        return sa.true() if wanted is None else column.in_(wanted)

    # students and their current class ------------------------------------------------------
    rows = db.session.execute(
        sa.select(
            Student.id,
            Student.first_name,
            Student.last_name,
            Student.gender,
            SchoolClass.id,
            SchoolClass.name,
            SchoolClass.grade_level,
            SchoolClass.shift,
        )
        .join(Enrollment, Enrollment.student_id == Student.id)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .where(
            Student.school_id == school_id,
            SchoolClass.school_year_id == year_id,
            sa.or_(Enrollment.left_on.is_(None), Enrollment.left_on > today),
            only(Student.id),
        )
        .order_by(Enrollment.enrolled_on)
    ).all()
    students: dict[int, dict[str, Any]] = {}
    for sid, first, last, gender, class_id, class_name, level, shift in rows:
        students[sid] = {  # the latest enrolment wins (a pupil moved to another class)
            "id": sid,
            "first_name": first,
            "last_name": last,
            "gender": gender,
            "class_id": class_id,
            "class_name": class_name,
            "grade_level": level,
            "shift": shift,
            "qualitative": 1 <= level <= 3,
        }
    if wanted is not None:
        # a pupil without a current class still gets a (mostly empty) summary
        missing = [sid for sid in wanted if sid not in students]
        if missing:
            for sid, first, last, gender in db.session.execute(
                sa.select(Student.id, Student.first_name, Student.last_name, Student.gender).where(
                    Student.id.in_(missing), Student.school_id == school_id
                )
            ):
                students[sid] = {
                    "id": sid,
                    "first_name": first,
                    "last_name": last,
                    "gender": gender,
                    "class_id": None,
                    "class_name": "",
                    "grade_level": None,
                    "shift": 1,
                    "qualitative": False,
                }
    if not students:
        return {}
    ids = list(students)

    def in_set(column: Any) -> Any:
        return sa.true() if wanted is None else column.in_(ids)

    subjects = {
        s.id: s
        for s in db.session.scalars(sa.select(Subject).where(Subject.school_id == school_id))
    }

    def subject_name(subject_id: int | None) -> tuple[str, str]:
        s = subjects.get(subject_id) if subject_id is not None else None
        return (s.name, _spoken(s)) if s else ("", "")

    built: dict[int, dict[str, Any]] = {sid: {} for sid in students}
    chosen = set(parts)
    if GRADES in chosen:
        _grade_sections(built, students, school_id, year_id, term, in_set, subject_name)
    if ABSENCES in chosen:
        _absence_sections(built, students, school_id, year_id, term, in_set, subject_name)
    if RECORD in chosen:
        _record_sections(built, students, school_year, today, in_set, subject_name)
    return {
        sid: {
            "v": PAYLOAD_VERSION,
            "term": term,
            "computed_on": today.isoformat(),
            "term2_starts_on": school_year.term2_starts_on.isoformat(),
            "student": info,
            **built[sid],
        }
        for sid, info in students.items()
    }


def _grade_sections(
    built: dict[int, dict[str, Any]],
    students: dict[int, dict[str, Any]],
    school_id: int,
    year_id: int,
    term: int,
    in_set: Callable[[Any], Any],
    subject_name: Callable[[int | None], tuple[str, str]],
) -> None:
    """The sections read from the grades (overall, subjects, latest_grades), into ``built``."""
    per_subject: dict[int, dict[int, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    term_grades: dict[int, dict[int, Decimal]] = defaultdict(dict)
    annual_grades: dict[int, dict[int, Decimal]] = defaultdict(dict)
    latest: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for (
        sid,
        subject_id,
        g_term,
        kind,
        category,
        value,
        sop_mark,
        date,
        created_at,
    ) in db.session.execute(
        sa.select(
            Grade.student_id,
            Grade.subject_id,
            Grade.term,
            Grade.kind,
            Grade.category,
            Grade.value,
            Grade.sop_mark,
            Grade.date,
            Grade.created_at,
        ).where(
            Grade.school_id == school_id,
            Grade.school_year_id == year_id,
            in_set(Grade.student_id),
        )
    ):
        if sid not in students:
            continue
        latest[sid].append((date, created_at, subject_id, value, sop_mark, category, kind))
        if str(kind) == rules.KIND_ANNUAL and value is not None:
            annual_grades[sid][subject_id] = value
        if g_term != term or value is None:
            continue
        if str(kind) in rules.CURRENT_KINDS:
            per_subject[sid][subject_id].append(value)
        elif str(kind) == rules.KIND_TERM:
            term_grades[sid][subject_id] = value

    for sid, info in students.items():
        subject_rows: list[dict[str, Any]] = []
        subject_averages = []
        own_currents = per_subject.get(sid, {})
        own_terms = term_grades.get(sid, {})
        for subject_id in set(own_currents) | set(own_terms):
            values = own_currents.get(subject_id, [])
            tg = own_terms.get(subject_id)
            figure = rules.term_figure(values, tg)
            subject_averages.append(figure)
            name, spoken = subject_name(subject_id)
            entry = avg_entry(figure.value if figure else None) or {}
            subject_rows.append(
                {
                    "subject_id": subject_id,
                    "name": name,
                    "spoken": spoken,
                    "average": entry.get("average"),
                    "word": entry.get("word"),
                    "final": bool(figure and figure.final),
                    "forecast": dec(rules.average(values)),
                    "count": len(values),
                    "term_grade": dec(tg),
                    "annual_grade": dec(annual_grades.get(sid, {}).get(subject_id)),
                    # I–III: the term's marks counted, {"6": 4, "5": 1}; never averaged
                    "marks": _marks(values) if info["qualitative"] else None,
                }
            )
        subject_rows.sort(key=lambda r: r["name"])
        overall = rules.overall_success(subject_averages)

        grades = sorted(latest.get(sid, []), key=lambda g: (g[0], g[1]), reverse=True)
        latest_rows = []
        for date, created_at, subject_id, value, sop_mark, category, kind in grades[:LATEST_GRADES]:
            name, spoken = subject_name(subject_id)
            latest_rows.append(
                {
                    "subject_id": subject_id,
                    "subject": name,
                    "spoken": spoken,
                    "value": dec(value),
                    "sop_mark": str(sop_mark) if sop_mark else None,
                    "category": str(category),
                    "kind": str(kind),
                    "date": date.isoformat(),
                    "created_at": created_at.isoformat() if created_at else None,
                }
            )
        built[sid]["overall"] = avg_entry(overall)
        built[sid]["subjects"] = subject_rows
        built[sid]["latest_grades"] = latest_rows


def _absence_sections(
    built: dict[int, dict[str, Any]],
    students: dict[int, dict[str, Any]],
    school_id: int,
    year_id: int,
    term: int,
    in_set: Callable[[Any], Any],
    subject_name: Callable[[int | None], tuple[str, str]],
) -> None:
    """The sections read from the term's absences (absences, recent_absences), into ``built``."""
    absences: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for sid, date, period, kind, subject_id in db.session.execute(
        sa.select(
            Absence.student_id, Absence.date, Absence.period, Absence.kind, Absence.subject_id
        ).where(
            Absence.school_id == school_id,
            Absence.school_year_id == year_id,
            Absence.term == term,
            in_set(Absence.student_id),
        )
    ):
        absences[sid].append((date, period, str(kind), subject_id))

    for sid in students:
        own_absences = sorted(absences.get(sid, []), key=lambda a: (a[0], a[1]), reverse=True)
        totals = rules.absence_totals(a[2] for a in own_absences)
        recent = [
            {
                "date": date.isoformat(),
                "period": period,
                "kind": kind,
                "subject": subject_name(subject_id)[1],
            }
            for date, period, kind, subject_id in own_absences[:RECENT_ABSENCES]
        ]
        built[sid]["absences"] = {
            "excused": totals.excused,
            "unexcused": totals.unexcused,
            "lates": totals.lates,
            "weighted": f"{totals.weighted:.1f}",
        }
        built[sid]["recent_absences"] = recent


def _record_sections(
    built: dict[int, dict[str, Any]],
    students: dict[int, dict[str, Any]],
    school_year: SchoolYear,
    today: dt.date,
    in_set: Callable[[Any], Any],
    subject_name: Callable[[int | None], tuple[str, str]],
) -> None:
    """The other sections (the record, the class's coming events, meetings, homework, timetable
    and free hours), into ``built``."""
    school_id = school_year.school_id
    year_id = school_year.id
    remarks: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for sid, kind, text, date, subject_id, created_at in db.session.execute(
        sa.select(
            Remark.student_id,
            Remark.kind,
            Remark.text,
            Remark.date,
            Remark.subject_id,
            Remark.created_at,
        ).where(
            Remark.school_id == school_id,
            Remark.school_year_id == year_id,
            in_set(Remark.student_id),
        )
    ):
        remarks[sid].append((date, created_at, str(kind), text, subject_id))

    sanctions = record_read.sanctions_by_student(school_id, year_id, in_set)
    pg_days = record_read.year_days_by_student(school_id, year_id, in_set)
    year_results = record_read.year_results_by_student(school_id, year_id, in_set)
    notes = record_read.notes_by_student(
        school_id, year_id, {sid: s["class_id"] for sid, s in students.items()}
    )

    class_ids = {s["class_id"] for s in students.values() if s["class_id"]}
    horizon = today + dt.timedelta(days=COMING_DAYS)
    events_by_class: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for class_id, kind, title, date, time, subject_id in db.session.execute(
        sa.select(Event.class_id, Event.kind, Event.title, Event.date, Event.time, Event.subject_id)
        .where(*_coming(Event, school_id, year_id, today, horizon, class_ids))
        .order_by(Event.date, Event.time)
    ):
        events_by_class[class_id].append(
            {
                "kind": str(kind),
                "title": title,
                "date": date.isoformat(),
                "time": time.strftime("%H:%M") if time else None,
                "subject": subject_name(subject_id)[1],
                "school_wide": class_id is None,
            }
        )
    for class_id, kind, date, subject_id in db.session.execute(
        sa.select(Exam.class_id, Exam.kind, Exam.date, Exam.subject_id)
        .where(
            Exam.school_id == school_id,
            Exam.school_year_id == year_id,
            Exam.date >= today,
            Exam.date <= horizon,
            Exam.class_id.in_(class_ids or [-1]),
        )
        .order_by(Exam.date, Exam.period)
    ):
        spoken = subject_name(subject_id)[1]
        events_by_class[class_id].append(
            {
                "kind": str(kind),
                "title": rules.exam_title(str(kind), spoken),
                "date": date.isoformat(),
                "time": None,
                "subject": spoken,
                "school_wide": False,
            }
        )
    meetings_by_class: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for class_id, date, time, place, topic in db.session.execute(
        sa.select(
            ParentMeeting.class_id,
            ParentMeeting.date,
            ParentMeeting.time,
            ParentMeeting.place,
            ParentMeeting.topic,
        )
        .where(*_coming(ParentMeeting, school_id, year_id, today, horizon, class_ids))
        .order_by(ParentMeeting.date, ParentMeeting.time)
    ):
        meetings_by_class[class_id].append(
            {
                "date": date.isoformat(),
                "time": time.strftime("%H:%M") if time else None,
                "place": place,
                "topic": topic,
                "school_wide": class_id is None,
            }
        )

    homework_by_class: dict[int, list[dict[str, Any]]] = defaultdict(list)
    homework_until: dict[int, str] = {}  # classes with more than COMING_HOMEWORK coming
    if class_ids:
        for class_id, subject_id, text, date, due_on in db.session.execute(
            sa.select(
                Homework.class_id,
                Homework.subject_id,
                Homework.text,
                Homework.date,
                Homework.due_on,
            )
            .where(
                Homework.school_id == school_id,
                Homework.school_year_id == year_id,
                Homework.class_id.in_(class_ids),
                Homework.due_on >= today,
            )
            .order_by(Homework.due_on, Homework.date, Homework.id)
        ):
            held = homework_by_class[class_id]
            if class_id in homework_until:
                continue
            if len(held) >= COMING_HOMEWORK and held[-1]["due_on"] != due_on.isoformat():
                homework_until[class_id] = held[-1]["due_on"]  # whole days only: complete to it
                continue
            name, spoken = subject_name(subject_id)
            homework_by_class[class_id].append(
                {
                    "subject": name,
                    "spoken": spoken,
                    "text": text,
                    "date": date.isoformat(),
                    "due_on": due_on.isoformat(),
                }
            )

    # timetable ----------------------------------------------------------------------------
    bells = {
        (shift, period): (starts, ends)
        for shift, period, starts, ends in db.session.execute(
            sa.select(BellTime.shift, BellTime.period, BellTime.starts_at, BellTime.ends_at).where(
                BellTime.school_id == school_id
            )
        )
    }
    shift_of = {s["class_id"]: s["shift"] for s in students.values() if s["class_id"]}
    timetable_by_class: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    if class_ids:
        for class_id, slot_term, weekday, period, subject_id, starts, ends in db.session.execute(
            sa.select(
                TimetableSlot.class_id,
                TimetableSlot.term,
                TimetableSlot.weekday,
                TimetableSlot.period,
                TimetableSlot.subject_id,
                TimetableSlot.starts_at,
                TimetableSlot.ends_at,
            )
            .where(TimetableSlot.school_id == school_id, TimetableSlot.class_id.in_(class_ids))
            .order_by(TimetableSlot.weekday, TimetableSlot.period)
        ):
            bell = bells.get((shift_of.get(class_id, 1), period), (None, None))
            starts = starts or bell[0]
            ends = ends or bell[1]
            name, spoken = subject_name(subject_id)
            timetable_by_class[class_id][str(weekday)].append(
                {
                    "period": period,
                    "subject": name,
                    "spoken": spoken,
                    "starts": starts.strftime("%H:%M") if starts else None,
                    "ends": ends.strftime("%H:%M") if ends else None,
                    "term": slot_term,
                }
            )

    free_hours = lesson_cover.free_hours_by_class(school_id, sorted(class_ids), today)

    for sid, info in students.items():
        own_remarks = sorted(remarks.get(sid, []), key=lambda r: (r[0], r[1]), reverse=True)
        remark_rows = [
            {"kind": kind, "text": text, "date": date.isoformat(), "subject": subject_name(subj)[1]}
            for date, _created, kind, text, subj in own_remarks[:LATEST_REMARKS]
        ]
        class_id = info["class_id"]
        events = sorted(
            events_by_class.get(None, []) + events_by_class.get(class_id, []),
            key=lambda e: (e["date"], e["time"] or ""),
        )
        meetings = sorted(
            meetings_by_class.get(None, []) + meetings_by_class.get(class_id, []),
            key=lambda m: (m["date"], m["time"] or ""),
        )
        built[sid].update(
            {
                "remarks": remark_rows,
                "sanctions": sanctions.get(sid, []),
                "notes": notes.get(sid, []),
                "pg_days": pg_days.get(sid),
                "year_result": year_results.get(sid),
                "events": events,
                "meetings": meetings,
                "timetable": {k: v for k, v in timetable_by_class.get(class_id, {}).items()}
                if class_id
                else {},
                "homework": homework_by_class.get(class_id, []) if class_id else [],
                "homework_until": homework_until.get(class_id) if class_id else None,
                "free_hours": free_hours.get(class_id, {}) if class_id else {},
            }
        )


def refresh_student(student_id: int, school_year_id: int) -> dict[str, Any] | None:
    """Rebuild the student's summary (and the class aggregate) in the current transaction.

    Returns the new payload (``None`` when the student or the year does not exist).
    """
    year = db.session.get(SchoolYear, school_year_id)
    if year is None:
        return None
    return refresh_students(year, [student_id]).get(student_id)


def refresh_students(year: SchoolYear, student_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Rebuild the summaries of the students (a grade column, a class event, one pupil) in the
    current transaction: their payloads built together (:func:`build_payloads`), written in one
    UPSERT, and each of their classes' aggregate rebuilt once (:func:`refresh_class_group`).
    Returns the new payloads by student."""
    payloads = build_payloads(year, student_ids)
    store_refreshed(year, payloads)
    return payloads


def store_refreshed(year: SchoolYear, payloads: dict[int, dict[str, Any]]) -> None:
    """Write the pupils' new (whole) payloads in one UPSERT and rebuild each of their classes'
    aggregate once, in the current transaction."""
    summary_store.store_students(year, payloads)
    last_of_class: dict[Any, int] = {}
    for student_id in sorted(payloads):
        last_of_class[payloads[student_id]["student"].get("class_id")] = student_id
    for student_id in sorted(last_of_class.values()):
        refresh_class_group(year, payloads[student_id], payloads)


def refresh_class_group(
    year: SchoolYear, payload: dict[str, Any], fresh: dict[int, dict[str, Any]] | None = None
) -> None:
    """Rebuild the class aggregate of the pupil whose new ``payload`` is stored, from the class's
    payloads (``fresh`` ones in hand, the classmates' stored ones), in the current transaction;
    nothing for a pupil in no class."""
    if payload["student"]["class_id"]:
        class_id = payload["student"]["class_id"]
        mates = {k: v for k, v in (fresh or {}).items() if v["student"]["class_id"] == class_id}
        mates[payload["student"]["id"]] = payload
        summary_store.store_class_groups(year, mates)


def rebuild_school(school_id: int) -> int:
    """Rebuild every summary of the school's current year in bulk; returns the count."""
    year = SchoolYear.current_for(school_id)
    if year is None:
        return 0
    payloads = build_payloads(year)
    db.session.execute(
        sa.delete(StudentSummary).where(
            StudentSummary.school_id == school_id, StudentSummary.school_year_id == year.id
        )
    )
    now = utcnow()
    rows = [
        {
            "student_id": sid,
            "school_year_id": year.id,
            "school_id": school_id,
            "payload": p,
            "computed_at": now,
        }
        for sid, p in payloads.items()
    ]
    for i in range(0, len(rows), 1000):
        db.session.execute(sa.insert(StudentSummary), rows[i : i + 1000])
    by_class: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p in payloads.values():
        if p["student"]["class_id"]:
            by_class[p["student"]["class_id"]].append(p)
    term = year.term_of(clock.today())
    db.session.execute(
        sa.delete(GroupSummary).where(
            GroupSummary.source == GROUP_SOURCE,
            GroupSummary.school_year_id == year.id,
            GroupSummary.term == term,
            GroupSummary.class_id.is_not(None),
        )
    )
    group_rows = [
        {
            "school_id": school_id,
            "school_year_id": year.id,
            "grade_level": members[0]["student"]["grade_level"],
            "class_id": class_id,
            "term": term,
            "source": GROUP_SOURCE,
            "payload": summary_store.class_aggregate(members),
            "computed_at": now,
        }
        for class_id, members in by_class.items()
    ]
    if group_rows:
        db.session.execute(sa.insert(GroupSummary), group_rows)
    # the session may hold stale StudentSummary objects from before the bulk statements
    db.session.expire_all()
    return len(rows)


def get_summary(student_id: int, school_year_id: int) -> dict[str, Any]:
    """The student's payload; built (in the current transaction) on a miss or when stale
    (another term, an older payload version). Returns {} for an unknown student."""
    payload = db.session.scalar(
        sa.select(StudentSummary.payload).where(
            StudentSummary.student_id == student_id,
            StudentSummary.school_year_id == school_year_id,
        )
    )
    if is_fresh(payload):
        return payload  # type: ignore[return-value]
    return refresh_student(student_id, school_year_id) or {}


def is_fresh(payload: dict[str, Any] | None) -> bool:
    """A stored payload still valid: this payload version, and built in the current term
    (a term-1 payload goes stale the day term 2 begins); a class's homework list that was cut at
    ``COMING_HOMEWORK`` goes stale before the days it may miss are asked for (the next school day
    is at most three days ahead)."""
    if not payload or payload.get("v") != PAYLOAD_VERSION:
        return False
    until = payload.get("homework_until")
    if until and until < (clock.today() + dt.timedelta(days=3)).isoformat():
        return False
    return payload.get("term") == 2 or clock.today().isoformat() < payload["term2_starts_on"]


def get_class_summary(class_id: int, school_year_id: int, term: int) -> dict[str, Any] | None:
    return db.session.scalar(
        sa.select(GroupSummary.payload).where(
            summary_store.class_group(school_year_id, class_id, term)
        )
    )
