"""Yearly topic plans (годишно тематично разпределение): per curriculum row (class + subject +
group), the numbered topics of the year, as publishers ship them (№, Тема, Забележки) with the
class and the subject added.

A row is matched by (curriculum row, number): a new number is added, a known one updated; numbers
the file leaves out stay (delete them on the plan's page). The checks of a row are the pure rules
:func:`gradebook.rules.check_plan_row` (number 1–1000, title up to 1000 characters, as the
Ministry's diary has them).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gradebook import rules
from models import Curriculum
from models import PlanTopic
from models import Subject
from models import db
from onboarding.import_plan import ImportKind
from onboarding.import_plan import Plan
from onboarding.import_plan import class_of
from onboarding.import_plan import classes_by_name
from onboarding.import_plan import current_year
from onboarding.import_plan import header_names
from onboarding.tabular import Column
from onboarding.tabular import Table

TOPIC_PLAN_COLUMNS: list[Column] = [
    Column("class_name", "Клас", True, ("паралелка",), "паралелка (трябва да съществува)", "5а"),
    Column("subject", "Предмет", True, ("учебен предмет",),
           "предмет от учебния план на паралелката", "Математика"),
    Column("group_name", "Група", False, (), "група при разделяне (както в учебния план); празно = целият клас",
           ""),
    Column("number", "№", True, ("номер", "номер на темата", "no"), "пореден номер на темата, от 1 до 1000",
           "1"),
    Column("title", "Тема", True, ("тема на урока", "наименование на темата"),
           "заглавие на темата, до 1000 знака", "Умножение на дроби"),
    Column("note", "Забележки", False, ("забележка", "бележка"), "по желание, до 1000 знака", ""),
]  # fmt: skip


def validate_topic_plan(table: Table, school_id: int) -> Plan:
    plan = Plan.of_table("topic_plan", table)
    h = header_names(table, TOPIC_PLAN_COLUMNS)
    year = current_year(school_id)
    classes = classes_by_name(school_id, year.id)
    curricula = {
        (c.class_id, name.casefold(), c.group_name.casefold()): c.id
        for c, name in db.session.execute(
            sa.select(Curriculum, Subject.name)
            .join(Subject, Subject.id == Curriculum.subject_id)
            .where(Curriculum.school_id == school_id)
        ).all()
    }
    existing = {
        (p.curriculum_id, p.number): p
        for p in db.session.scalars(sa.select(PlanTopic).where(PlanTopic.school_id == school_id))
    }
    seen: dict[tuple[int, int], int] = {}
    for row, v in table.rows:
        before = len(plan.errors)
        klass = class_of(plan, row, h["class_name"], v.get("class_name", ""), classes)
        subject = " ".join(v.get("subject", "").split())
        group = v.get("group_name", "").strip()
        curriculum_id = None
        if klass is not None:
            curriculum_id = curricula.get((klass.id, subject.casefold(), group.casefold()))
            if curriculum_id is None:
                plan.add(row, h["subject"], f"„{subject}“ не е в учебния план на {klass.name} клас"
                         + (f" (група „{group}“)" if group else ""))  # fmt: skip
        values: dict[str, Any] = {}
        for key, read in (("number", rules.plan_number), ("title", rules.topic_title),
                          ("note", rules.plan_note)):  # fmt: skip
            try:
                values[key] = read(v.get(key, ""))
            except rules.RuleError as exc:
                plan.add(row, h[key], exc.message_bg)
        if len(plan.errors) > before or curriculum_id is None:
            continue
        key = (curriculum_id, values["number"])
        if key in seen:
            plan.add(row, h["number"], f"тема № {values['number']} се повтаря (ред {seen[key]})")
            continue
        seen[key] = row
        current = existing.get(key)
        if current is None:
            action = "new"
        else:
            action = (
                "same"
                if (current.title, current.note) == (values["title"], values["note"])
                else "update"
            )
        plan.items.append({"row": row, "action": action, "curriculum_id": curriculum_id,
                           "id": current.id if current else None, **values})  # fmt: skip
    plan.errors.sort()
    return plan


def commit_topic_plan(school_id: int, plan: Plan, **_: Any) -> dict[str, int]:
    """Write the plan in the importer's transaction (it adds the audit row and commits)."""
    for item in plan.items:
        if item["action"] == "new":
            db.session.add(PlanTopic(school_id=school_id, curriculum_id=item["curriculum_id"],
                                     number=item["number"], title=item["title"], note=item["note"]))  # fmt: skip
        elif item["action"] == "update":
            row = db.session.get(PlanTopic, item["id"])
            assert row is not None and row.school_id == school_id
            row.title, row.note = item["title"], item["note"]
    db.session.flush()
    return plan.totals()


KIND = ImportKind(
    "topic_plan", "Тематично разпределение", TOPIC_PLAN_COLUMNS, validate_topic_plan,
    commit_topic_plan, 7,
)  # fmt: skip
