"""The weekly timetable: per class, day and period, the subject (from the class's curriculum),
group, term and room.

A class, or a teacher, is never in two places at once; importing a class's timetable replaces
the one it had (other classes keep theirs).
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from models import Curriculum
from models import Subject
from models import db
from onboarding.import_plan import ImportKind
from onboarding.import_plan import Plan
from onboarding.import_plan import chunks
from onboarding.import_plan import class_of
from onboarding.import_plan import classes_by_name
from onboarding.import_plan import current_year
from onboarding.import_plan import header_names
from onboarding.tabular import Column
from onboarding.tabular import Table
from onboarding.tabular import parse_int

TIMETABLE_COLUMNS: list[Column] = [
    Column("class_name", "Клас", True, ("паралелка",), "паралелка (трябва да съществува)", "5а"),
    Column("weekday", "Ден", True, ("ден от седмицата",),
           "понеделник … неделя или 1–7 (1 = понеделник)", "понеделник"),
    Column("period", "Час", True, ("учебен час", "№ на часа"), "пореден час, 0–15", "1"),
    Column("subject", "Предмет", True, ("учебен предмет",),
           "предмет от учебния план на паралелката", "Математика"),
    Column("group_name", "Група", False, (), "група от учебния план; празно = целият клас", ""),
    Column("term", "Срок", False, (), "1 или 2; празно = и двата срока", ""),
    Column("room", "Стая", False, ("кабинет",), "стая или кабинет (до 20 знака)", "214"),
]  # fmt: skip

WEEKDAYS_BG = {"понеделник": 1, "пон": 1, "пн": 1, "вторник": 2, "вт": 2, "сряда": 3, "ср": 3,
               "четвъртък": 4, "чет": 4, "чт": 4, "петък": 5, "пет": 5, "пт": 5, "събота": 6,
               "сб": 6, "неделя": 7, "нд": 7}  # fmt: skip


def validate_timetable(table: Table, school_id: int) -> Plan:
    plan = Plan.of_table("timetable", table)
    h = header_names(table, TIMETABLE_COLUMNS)
    year = current_year(school_id)
    classes = classes_by_name(school_id, year.id)
    curricula: dict[tuple[int, str, str], Curriculum] = {}
    for c, name in db.session.execute(
        sa.select(Curriculum, Subject.name)
        .join(Subject, Subject.id == Curriculum.subject_id)
        .where(Curriculum.school_id == school_id)
    ):
        curricula[(c.class_id, name.casefold(), c.group_name.casefold())] = c
    taken: dict[tuple[int, int, int, int], int] = {}  # (class, term, day, period) → row, no group
    teachers: dict[tuple[int, int, int, int, int], int] = {}  # (teacher, shift, term, day, period)
    for row, v in table.rows:
        before = len(plan.errors)
        klass = class_of(plan, row, h["class_name"], v.get("class_name", ""), classes)
        raw_day = v.get("weekday", "").strip().casefold().rstrip(".")
        weekday = WEEKDAYS_BG.get(raw_day) or (
            int(raw_day) if raw_day in ("1", "2", "3", "4", "5", "6", "7") else None
        )
        if weekday is None:
            plan.add(row, h["weekday"], "денят трябва да е понеделник … неделя или 1–7")
        period = None
        try:
            period = parse_int(v.get("period", ""), 0, 15, "часът")
        except ValueError as exc:
            plan.add(row, h["period"], str(exc))
        term = None
        if v.get("term"):
            try:
                term = parse_int(v["term"], 1, 2, "срокът")
            except ValueError as exc:
                plan.add(row, h["term"], str(exc))
        group = v.get("group_name", "").strip()
        curriculum = None
        if klass is not None:
            curriculum = curricula.get(
                (
                    klass.id,
                    re.sub(r"\s+", " ", v.get("subject", "")).strip().casefold(),
                    group.casefold(),
                )
            )
            if curriculum is None:
                plan.add(row, h["subject"], f"предметът „{v.get('subject', '')}“"
                         + (f" (група {group})" if group else "") + f" не е в учебния план на {klass.name}")  # fmt: skip
        if (
            len(plan.errors) > before
            or klass is None
            or curriculum is None
            or weekday is None
            or period is None
        ):
            continue
        for t in (1, 2) if term is None else (term,):
            if not group:
                key = (klass.id, t, weekday, period)
                if key in taken:
                    plan.add(
                        row,
                        h["period"],
                        f"{klass.name} вече има час в същия ден и час (ред {taken[key]})",
                    )
                    break
                taken[key] = row
            if curriculum.teacher_id is not None:
                tkey = (curriculum.teacher_id, klass.shift, t, weekday, period)
                if tkey in teachers:
                    plan.add(
                        row,
                        h["period"],
                        f"учителят вече има час по същото време (ред {teachers[tkey]})",
                    )
                    break
                teachers[tkey] = row
        if len(plan.errors) > before:
            continue
        plan.items.append({"row": row, "action": "new", "class_id": klass.id, "name": klass.name,
                           "term": term, "weekday": weekday, "period": period,
                           "curriculum_id": curriculum.id, "subject_id": curriculum.subject_id,
                           "teacher_id": curriculum.teacher_id, "room": v.get("room", "")[:20]})  # fmt: skip
    plan.errors.sort()
    return plan


def commit_timetable(school_id: int, plan: Plan, **_: Any) -> dict[str, int]:
    """The timetable of every class in the file is replaced by the file's (other classes keep
    theirs): re-importing the same file gives the same slots, never duplicates."""
    from models import TimetableSlot

    class_ids = sorted({i["class_id"] for i in plan.items})
    removed = 0
    for chunk in chunks(class_ids, 500):
        removed += (
            db.session.execute(
                sa.delete(TimetableSlot).where(
                    TimetableSlot.school_id == school_id, TimetableSlot.class_id.in_(chunk)
                )
            ).rowcount
            or 0
        )
    if plan.items:
        db.session.execute(TimetableSlot.__table__.insert(), [
            {k: i[k] for k in ("class_id", "term", "weekday", "period", "curriculum_id", "subject_id",
                               "teacher_id", "room")} | {"school_id": school_id}
            for i in plan.items
        ])  # fmt: skip
    db.session.commit()
    return {"new": len(plan.items), "replaced": removed, "classes": len(class_ids)}


KIND = ImportKind(
    "timetable", "Седмично разписание", TIMETABLE_COLUMNS, validate_timetable, commit_timetable, 6
)
