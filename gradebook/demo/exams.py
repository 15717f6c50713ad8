"""The demo school's tests schedule: for every class of IV–XII, контролни and класни in its main
subjects (for I–III контролни only; класни are written from IV on) spread over the whole year, on days the subject is in the timetable, within the law's
limits (``rules.exam_problem``: one a day, two a week, no класна in a term's last week), some in
the coming weeks. The grades of kind контролна/класна the year already has are linked to the test
of their curriculum row and date when one is planned on it.

Fast: a few reads of the school's classes, curriculum, timetable and calendar, then one bulk
insert (``loader.write_rows``) and one UPDATE of the grades."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import sqlalchemy as sa

from gradebook import rules
from gradebook.demo.loader import write_rows
from gradebook.demo.school import CLASS_WORK_SUBJECTS
from models import ClassesEnd
from models import Curriculum
from models import Exam
from models import Grade
from models import NonSchoolDay
from models import SchoolClass
from models import SchoolYear
from models import Subject
from models import TimetableSlot
from models import db

#: Subjects with контролни besides the class-work subjects.
CONTROL_SUBJECTS = (
    "Математика",
    "Български език и литература",
    "Английски език",
    "История и цивилизации",
    "География и икономика",
    "Биология и здравно образование",
    "Физика и астрономия",
    "Химия и опазване на околната среда",
    "Човекът и природата",
    "Човекът и обществото",
)
COLUMNS = (
    "school_id",
    "school_year_id",
    "class_id",
    "curriculum_id",
    "subject_id",
    "kind",
    "date",
    "period",
    "description",
    "author_id",
)
DESCRIPTIONS = {
    "control": ("Върху последните уроци", "Обобщение на раздела", "Текущ преговор"),
    "classwork": ("Класна работа върху раздела", "Писмен текст", "Решаване на задачи"),
}


def _last_school_day(last: dt.date, off: set[dt.date]) -> dt.date:
    while last.isoweekday() > 5 or last in off:
        last -= dt.timedelta(days=1)
    return last


def build_exams(school_id: int, today: dt.date, *, link_grades: bool = True) -> int:
    """Plan the school's tests for its current year; returns how many."""
    year = db.session.scalar(
        sa.select(SchoolYear).where(SchoolYear.school_id == school_id, SchoolYear.is_current)
    )
    if year is None:
        return 0
    rng = random.Random(f"exams/{school_id}")
    classes = {
        c.id: c
        for c in db.session.scalars(
            sa.select(SchoolClass).where(
                SchoolClass.school_year_id == year.id, SchoolClass.grade_level >= 1
            )
        )
    }
    names: dict[int, str] = {
        sid: name
        for sid, name in db.session.execute(
            sa.select(Subject.id, Subject.name).where(Subject.school_id == school_id)
        )
    }
    curricula: dict[int, list[Curriculum]] = defaultdict(list)
    for cur in db.session.scalars(
        sa.select(Curriculum).where(Curriculum.class_id.in_(classes or [-1]))
    ):
        if names.get(cur.subject_id) in CONTROL_SUBJECTS:
            curricula[cur.class_id].append(cur)
    slots: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for cur_id, weekday, period in db.session.execute(
        sa.select(TimetableSlot.curriculum_id, TimetableSlot.weekday, TimetableSlot.period).where(
            TimetableSlot.class_id.in_(classes or [-1])
        )
    ):
        slots[cur_id][weekday].append(period)
    off_by_level: dict[int, set[dt.date]] = defaultdict(set)
    for a, b, lo, hi in db.session.execute(
        sa.select(
            NonSchoolDay.date_from,
            NonSchoolDay.date_to,
            NonSchoolDay.grade_from,
            NonSchoolDay.grade_to,
        ).where(NonSchoolDay.school_year_id == year.id)
    ):
        day = a
        while day <= b:
            for level in range(max(lo, 1), min(hi, 12) + 1):
                off_by_level[level].add(day)
            day += dt.timedelta(days=1)
    ends = list(
        db.session.execute(
            sa.select(ClassesEnd.grade_from, ClassesEnd.grade_to, ClassesEnd.ends_on).where(
                ClassesEnd.school_year_id == year.id
            )
        )
    )
    rows: list[tuple[object, ...]] = []
    for klass in classes.values():
        off = off_by_level[klass.grade_level]
        end = next((e for lo, hi, e in ends if lo <= klass.grade_level <= hi), year.ends_on)
        term_ends = (
            _last_school_day(year.term2_starts_on - dt.timedelta(days=1), off),
            _last_school_day(end, off),
        )
        subjects = curricula.get(klass.id, [])
        if not subjects:
            continue
        planned: list[rules.PlannedExam] = []
        # a week in two gets one test, some weeks two; the subjects take turns
        monday = rules.week_start(year.starts_on) + dt.timedelta(days=7)
        turn = rng.randrange(len(subjects))
        while monday <= end:
            for _ in range(rng.choice((0, 1, 1, 2))):
                cur = subjects[turn % len(subjects)]
                turn += 1
                subject = names[cur.subject_id]
                kind = (
                    "classwork"
                    if klass.grade_level >= 4
                    and subject in CLASS_WORK_SUBJECTS
                    and rng.random() < 0.35
                    else "control"
                )
                days = [monday + dt.timedelta(days=d - 1) for d in sorted(slots[cur.id]) if d <= 5]
                rng.shuffle(days)
                for day in days:
                    if day in off or not year.starts_on <= day <= end:
                        continue
                    new = rules.PlannedExam(None, klass.id, day, kind)
                    term_end = term_ends[year.term_of(day) - 1]
                    if day > term_end or rules.exam_problem(
                        new, planned, term_last_school_day=term_end
                    ):
                        continue
                    planned.append(new)
                    rows.append(
                        (
                            school_id,
                            year.id,
                            klass.id,
                            cur.id,
                            cur.subject_id,
                            kind,
                            day,
                            min(slots[cur.id][day.isoweekday()]),
                            rng.choice(DESCRIPTIONS[kind]),
                            cur.teacher_id,
                        )
                    )
                    break
            monday += dt.timedelta(days=7)
    write_rows(Exam, COLUMNS, rows)
    if link_grades and rows:
        match = (
            sa.select(sa.func.min(Exam.id))
            .where(
                Exam.curriculum_id == Grade.curriculum_id,
                Exam.date == Grade.date,
                Exam.kind == Grade.kind,
            )
            .scalar_subquery()
        )
        db.session.execute(
            sa.update(Grade)
            .where(Grade.school_id == school_id, Grade.kind.in_(("control", "classwork")))
            .values(exam_id=match)
            .execution_options(synchronize_session=False)
        )
    return len(rows)
