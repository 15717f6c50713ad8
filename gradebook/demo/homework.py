"""Demo homework: for every class, a few homework a week, given in the lessons of the last two
weeks and due on the subject's next lesson on a school day (so some are due in the coming days),
with Bulgarian texts per subject. Runs after a school's rows are written: it makes the ``Lesson``
rows it needs that are not there yet, then the homework, each with two bulk inserts."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from gradebook import rules
from gradebook.demo.loader import write_dicts
from models import Curriculum
from models import Homework
from models import Lesson
from models import NonSchoolDay
from models import SchoolClass
from models import SchoolYear
from models import Subject
from models import TimetableSlot
from models import db
from models import utcnow

WEEKS_BACK = 2
PER_CLASS_DAY = 0.8  # the chance that a class gets homework on a school day (about four a week)

TEXTS: dict[str, list[str]] = {
    "Български език и литература": [
        "Прочетете разказа до края и отговорете писмено на въпросите на стр. {page}.",
        "Упр. {n} и {m} от учебната тетрадка.",
        "Напишете преразказ на откъса (до една страница).",
        "Научете стихотворението наизуст.",
        "Съчинение-разсъждение по темата от часа, до две страници.",
    ],
    "Математика": [
        "Зад. {n}, {m} и {k} на стр. {page}.",
        "Решете задачите от работния лист.",
        "Упр. {n} от сборника и прегледайте формулите от урока.",
        "Зад. {n} до {k} от учебника, стр. {page}.",
    ],
    "Английски език": [
        "Workbook, p. {page}, ex. {n} and {m}.",
        "Научете думите от урок {n} и напишете по едно изречение с всяка.",
        "Напишете кратко писмо до приятел (80–100 думи).",
    ],
    "Немски език": [
        "Arbeitsbuch, S. {page}, Übung {n}.",
        "Научете думите от урока и упр. {n} на стр. {page}.",
    ],
    "История и цивилизации": [
        "Прочетете урока на стр. {page} и отговорете на въпрос {n}.",
        "Направете хронологична таблица на събитията от урока.",
    ],
    "География и икономика": [
        "Попълнете контурната карта от урока.",
        "Прочетете урока на стр. {page} и въпроси {n} и {m}.",
    ],
    "Човекът и природата": [
        "Прочетете урока и попълнете таблицата в тетрадката.",
        "Наблюдавайте времето през седмицата и го запишете.",
    ],
    "Човекът и обществото": ["Разпитайте вкъщи за празниците на рода и ги запишете."],
    "Биология": [
        "Прочетете урока на стр. {page} и начертайте схемата.",
        "Въпроси {n}–{m} от края на урока.",
    ],
    "Физика": ["Зад. {n} и {m} на стр. {page}.", "Опишете опита от часа в тетрадката."],
    "Химия": ["Изравнете уравненията от работния лист.", "Зад. {n} на стр. {page}."],
    "Философия": ["Есе по въпроса от часа (до една страница)."],
    "Гражданско образование": ["Подгответе кратко представяне на темата от часа."],
    "Информационни технологии": ["Довършете таблицата от часа и я изпратете на учителя."],
    "Информатика": ["Напишете програмата от задача {n} и я качете в класната стая."],
    "Компютърно моделиране": ["Довършете проекта от часа."],
}
SKIPPED = ("Физическо възпитание и спорт", "Музика", "Изобразително изкуство")


def _text(rng: random.Random, subject: str) -> str | None:
    name = subject.rstrip("*").strip()
    if name.startswith(SKIPPED):
        return None
    options = TEXTS.get(name)
    if not options:
        return None
    n = rng.randint(1, 9)
    return rng.choice(options).format(
        page=rng.randint(12, 180), n=n, m=n + rng.randint(1, 3), k=n + rng.randint(4, 6)
    )


def add_homework(school_id: int, today: dt.date, rng: random.Random) -> int:
    """Homework of the school's current year for the last ``WEEKS_BACK`` weeks; returns how
    many were written."""
    year = db.session.scalar(
        sa.select(SchoolYear).where(
            SchoolYear.school_id == school_id, SchoolYear.is_current.is_(True)
        )
    )
    if year is None:
        return 0
    classes = {
        c.id: c
        for c in db.session.scalars(
            sa.select(SchoolClass).where(SchoolClass.school_year_id == year.id)
        )
    }
    off_rows = db.session.execute(
        sa.select(
            NonSchoolDay.date_from,
            NonSchoolDay.date_to,
            NonSchoolDay.grade_from,
            NonSchoolDay.grade_to,
        ).where(NonSchoolDay.school_year_id == year.id)
    ).all()
    subjects: dict[int, str] = {
        subject_id: name
        for subject_id, name in db.session.execute(
            sa.select(Subject.id, Subject.name).where(Subject.school_id == school_id)
        )
    }
    slots = list(
        db.session.execute(
            sa.select(
                TimetableSlot.id,
                TimetableSlot.class_id,
                TimetableSlot.curriculum_id,
                TimetableSlot.subject_id,
                TimetableSlot.teacher_id,
                TimetableSlot.weekday,
                TimetableSlot.period,
                TimetableSlot.term,
            )
            .join(Curriculum, Curriculum.id == TimetableSlot.curriculum_id)
            .where(TimetableSlot.school_id == school_id, TimetableSlot.class_id.in_(classes))
            .order_by(TimetableSlot.class_id, TimetableSlot.weekday, TimetableSlot.period)
        )
    )
    by_class_day: dict[tuple[int, int], list[Any]] = defaultdict(list)
    days_of_row: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for slot in slots:
        by_class_day[(slot.class_id, slot.weekday)].append(slot)
        days_of_row[slot.curriculum_id].append((slot.weekday, slot.term))
    start = max(year.starts_on, today - dt.timedelta(weeks=WEEKS_BACK))
    days = [start + dt.timedelta(days=i) for i in range((today - start).days + 1)]
    existing = {
        (slot_id, date): lesson_id
        for lesson_id, slot_id, date in db.session.execute(
            sa.select(Lesson.id, Lesson.slot_id, Lesson.date).where(
                Lesson.school_id == school_id, Lesson.date >= start, Lesson.date <= today
            )
        )
    }
    planned: list[tuple[Any, dt.date, dt.date, str]] = []
    for class_id in sorted(classes):
        klass = classes[class_id]
        off = [(a, b) for a, b, low, high in off_rows if low <= klass.grade_level <= high]
        for day in days:
            if any(a <= day <= b for a, b in off) or rng.random() > PER_CLASS_DAY:
                continue
            term = year.term_of(day)
            todays = [
                s
                for s in by_class_day.get((class_id, day.isoweekday()), [])
                if s.term in (None, term)
            ]
            rng.shuffle(todays)
            for slot in todays:
                text = _text(rng, subjects.get(slot.subject_id, ""))
                due = rules.default_due_date(
                    day,
                    days_of_row[slot.curriculum_id],
                    term2_starts_on=year.term2_starts_on,
                    ends_on=year.ends_on,
                    days_off=off,
                )
                if text and due:
                    planned.append((slot, day, due, text))
                    break
    if not planned:
        return 0
    now = utcnow()
    new_lessons = [
        dict(
            school_id=school_id,
            school_year_id=year.id,
            slot_id=slot.id,
            date=day,
            period=slot.period,
            class_id=slot.class_id,
            curriculum_id=slot.curriculum_id,
            subject_id=slot.subject_id,
            teacher_id=slot.teacher_id,
            created_at=now,
            updated_at=now,
        )
        for slot, day, _due, _text in planned
        if (slot.id, day) not in existing
    ]
    write_dicts(Lesson, new_lessons)
    if new_lessons:
        existing.update(
            {
                (slot_id, date): lesson_id
                for lesson_id, slot_id, date in db.session.execute(
                    sa.select(Lesson.id, Lesson.slot_id, Lesson.date).where(
                        Lesson.school_id == school_id, Lesson.date >= start, Lesson.date <= today
                    )
                )
            }
        )
    write_dicts(
        Homework,
        [
            dict(
                school_id=school_id,
                school_year_id=year.id,
                lesson_id=existing[(slot.id, day)],
                class_id=slot.class_id,
                curriculum_id=slot.curriculum_id,
                subject_id=slot.subject_id,
                date=day,
                due_on=due,
                text=text,
                teacher_id=slot.teacher_id,
                created_at=now,
                updated_at=now,
                version=1,
            )
            for slot, day, due, text in planned
        ],
    )
    return len(planned)
