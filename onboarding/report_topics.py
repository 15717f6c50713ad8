"""Class-book reports of lesson topics: the topics per subject (``topics``: class + subject → the
dated list of the lessons' topics) and the held lessons without a topic (``missing-topics``).

Both read through :mod:`gradebook.topics`; every read is scoped to the school.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from config import clock
from gradebook import topics as topics_uc
from models import PlanTopic
from models import StaffUser
from models import Subject
from models import db
from onboarding.report_base import Report
from onboarding.report_base import scope_of


def topics(
    school_id: int, class_id: int | None = None, term: int | None = None, **_: Any
) -> Report:
    """Per class and subject, the lessons with their topics in date order."""
    scope = scope_of(school_id, class_id)
    year = scope.year
    first, last = year.starts_on, min(year.ends_on, clock.today())
    if term == 1:
        last = min(last, year.term2_starts_on - dt.timedelta(days=1))
    elif term == 2:
        first = year.term2_starts_on
    found = topics_uc.topics_of_class(
        school_id, year.id, {c.id for c in scope.classes}, first, last
    )
    subjects = {
        s.id: s.name for s in db.session.query(Subject).filter(Subject.school_id == school_id)
    }
    teachers = {
        s.id: s.full_name
        for s in db.session.query(StaffUser).filter(
            StaffUser.id.in_(
                {lesson.teacher_id for lesson, _t in found if lesson.teacher_id} or {0}
            )
        )
    }
    numbers = {
        p.id: p.number
        for p in db.session.query(PlanTopic).filter(
            PlanTopic.school_id == school_id,
            PlanTopic.id.in_(
                {t.plan_topic_id for _l, ts in found for t in ts if t.plan_topic_id} or {0}
            ),
        )
    }
    order = {c.id: i for i, c in enumerate(scope.classes)}
    found.sort(
        key=lambda lt: (
            order.get(lt[0].class_id, 0),
            subjects.get(lt[0].subject_id, ""),
            lt[0].date,
            lt[0].period,
        )
    )
    rows: list[list[Any]] = []
    for lesson, lesson_topics in found:
        rows.append(
            [
                scope.names.get(lesson.class_id, ""),
                subjects.get(lesson.subject_id, ""),
                lesson.date,
                lesson.period,
                teachers.get(lesson.teacher_id, "") if lesson.teacher_id else "",
                "; ".join(
                    (f"{numbers[t.plan_topic_id]}. " if t.plan_topic_id in numbers else "")
                    + t.title
                    for t in lesson_topics
                ),
            ]
        )
    period = {1: "I срок", 2: "II срок"}.get(term or 0, f"учебната {year.name} година до днес")
    return Report(
        "topics",
        "Теми на уроците по предмети",
        scope.school.name,
        period + (f", {scope.names[class_id]} клас" if class_id else ""),
        ["Клас", "Предмет", "Дата", "Час", "Учител", "Теми (№ по разпределението)"],
        rows,
        notes=[
            "Номерът пред темата е от годишното тематично разпределение; без номер — свободна тема."
        ],
    )


def missing_topics(school_id: int, class_id: int | None = None, **_: Any) -> Report:
    """The held lessons of the current year without a topic (up to today's ended lessons)."""
    scope = scope_of(school_id, class_id)
    now = clock.now()
    missing = topics_uc.missing_topics(
        school_id, now.date(), now.time().replace(tzinfo=None), {c.id for c in scope.classes}
    )
    return Report(
        "missing-topics",
        "Проведени часове без тема",
        scope.school.name,
        f"учебната {scope.year.name} година до днес"
        + (f", {scope.names[class_id]} клас" if class_id else ""),
        ["Дата", "Час", "Клас", "Предмет", "Учител"],
        [[m.date, m.period, m.class_name, m.subject, m.teacher] for m in missing],
        notes=[
            "Часовете по програмата в учебните дни до днешните приключили часове, без записана тема."
        ],
    )
