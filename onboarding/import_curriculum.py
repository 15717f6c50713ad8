"""The curriculum: per class, the subjects with their teacher, section (А, Б, В), weekly hours
per term and group.

A subject the list names that the school does not have yet is created with it; a row is matched
by (class, subject, section, group), and a blank teacher cell keeps the teacher.
"""

from __future__ import annotations

import re
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

import sqlalchemy as sa

from models import Curriculum
from models import CurriculumSection
from models import Subject
from models import db
from onboarding.import_plan import ImportKind
from onboarding.import_plan import Plan
from onboarding.import_plan import class_of
from onboarding.import_plan import classes_by_name
from onboarding.import_plan import current_year
from onboarding.import_plan import header_names
from onboarding.import_plan import teacher_emails
from onboarding.import_plan import teacher_of
from onboarding.tabular import Column
from onboarding.tabular import Table

CURRICULUM_COLUMNS: list[Column] = [
    Column("class_name", "Клас", True, ("паралелка",), "паралелка (трябва да съществува)", "5а"),
    Column("subject", "Предмет", True, ("учебен предмет",),
           "предмет (нов предмет се създава автоматично)", "Математика"),
    Column("teacher_email", "Учител – e-mail", False, ("учител", "учител email"),
           "e-mail на учител от списъка с учители", "r.petrova@sou.example.bg"),
    Column("section", "Раздел", False, (), "А (задължителни), Б (избираеми), В (факултативни)",
           "А"),
    Column("hours_term1", "Часове I срок", True, ("часове 1 срок", "седмични часове i срок"),
           "седмични часове през I срок (напр. 4 или 1,5)", "4"),
    Column("hours_term2", "Часове II срок", True, ("часове 2 срок", "седмични часове ii срок"),
           "седмични часове през II срок", "4"),
    Column("group_name", "Група", False, (), "група при разделяне (напр. езици); празно = целият клас",
           ""),
]  # fmt: skip


SECTIONS_BG = {"а": CurriculumSection.A, "a": CurriculumSection.A, "": CurriculumSection.A,
               "б": CurriculumSection.B, "b": CurriculumSection.B,
               "в": CurriculumSection.V, "v": CurriculumSection.V}  # fmt: skip


def _hours(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError("часовете трябва да са число (напр. 4 или 1,5)") from None
    if not Decimal(0) <= value <= Decimal("40") or value * 2 != (value * 2).to_integral_value():
        raise ValueError("часовете трябва да са от 0 до 40, през 0,5")
    return value.quantize(Decimal("0.1"))


def validate_curriculum(table: Table, school_id: int) -> Plan:
    plan = Plan.of_table("curriculum", table)
    h = header_names(table, CURRICULUM_COLUMNS)
    year = current_year(school_id)
    classes = classes_by_name(school_id, year.id)
    subjects = {
        s.name.casefold(): s
        for s in db.session.scalars(sa.select(Subject).where(Subject.school_id == school_id))
    }
    teachers = teacher_emails(school_id)
    existing = {
        (c.class_id, c.subject_id, c.section, c.group_name): c
        for c in db.session.scalars(sa.select(Curriculum).where(Curriculum.school_id == school_id))
    }
    seen: dict[tuple[str, str, str, str], int] = {}
    for row, v in table.rows:
        before = len(plan.errors)
        klass = class_of(plan, row, h["class_name"], v.get("class_name", ""), classes)
        subject_name = re.sub(r"\s+", " ", v.get("subject", "")).strip()
        if not subject_name or len(subject_name) > 100:
            plan.add(row, h["subject"], "задължително поле, до 100 знака")
        teacher_id = teacher_of(plan, row, h["teacher_email"], v.get("teacher_email", ""), teachers)
        section = SECTIONS_BG.get(v.get("section", "").strip().casefold())
        if section is None:
            plan.add(row, h["section"], "разделът трябва да е А, Б или В")
        hours = {}
        for key in ("hours_term1", "hours_term2"):
            try:
                hours[key] = _hours(v.get(key, ""))
            except ValueError as exc:
                plan.add(row, h[key], str(exc))
        group = v.get("group_name", "")[:40]
        if len(plan.errors) > before or klass is None or section is None:
            continue
        key = (klass.name, subject_name.casefold(), str(section), group)
        if key in seen:
            plan.add(
                row, h["subject"], f"същият предмет за същия клас се повтаря (ред {seen[key]})"
            )
            continue
        seen[key] = row
        subject = subjects.get(subject_name.casefold())
        current = existing.get((klass.id, subject.id, section, group)) if subject else None
        values = {"teacher_id": teacher_id, **hours}
        if current is not None and not v.get("teacher_email"):
            values["teacher_id"] = current.teacher_id  # a blank cell keeps the teacher
        if current is None:
            action = "new"
        else:
            action = (
                "same" if all(getattr(current, k) == val for k, val in values.items()) else "update"
            )
        plan.items.append({"row": row, "action": action, "class_id": klass.id, "subject": subject_name,
                           "subject_id": subject.id if subject else None, "section": section,
                           "group_name": group, "id": current.id if current else None, **values})  # fmt: skip
    plan.errors.sort()
    return plan


def commit_curriculum(school_id: int, plan: Plan, **_: Any) -> dict[str, int]:
    subjects: dict[str, int] = {}
    new_subjects = 0
    for item in plan.items:
        if item["subject_id"] is None:
            key = item["subject"].casefold()
            if key not in subjects:
                subject = Subject(school_id=school_id, name=item["subject"])
                db.session.add(subject)
                db.session.flush()
                subjects[key] = subject.id
                new_subjects += 1
            item["subject_id"] = subjects[key]
        if item["action"] == "new":
            db.session.add(Curriculum(school_id=school_id, class_id=item["class_id"],
                                      subject_id=item["subject_id"], teacher_id=item["teacher_id"],
                                      section=item["section"], hours_term1=item["hours_term1"],
                                      hours_term2=item["hours_term2"], group_name=item["group_name"]))  # fmt: skip
        elif item["action"] == "update":
            row = db.session.get(Curriculum, item["id"])
            assert row is not None and row.school_id == school_id
            row.teacher_id = item["teacher_id"]
            row.hours_term1, row.hours_term2 = item["hours_term1"], item["hours_term2"]
    db.session.commit()
    return {**plan.totals(), "subjects_new": new_subjects}


KIND = ImportKind(
    "curriculum", "Учебен план", CURRICULUM_COLUMNS, validate_curriculum, commit_curriculum, 4
)
