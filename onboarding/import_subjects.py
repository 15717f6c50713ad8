"""The subject list: each subject's name, short name and how the phone line says it.

Subjects are matched by name, case aside.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from models import Subject
from models import db
from onboarding.import_plan import ImportKind
from onboarding.import_plan import Plan
from onboarding.import_plan import header_names
from onboarding.tabular import Column
from onboarding.tabular import Table

SUBJECT_COLUMNS: list[Column] = [
    Column("name", "Предмет", True, ("учебен предмет",), "наименование на предмета",
           "Математика"),
    Column("short_name", "Кратко име", False, ("съкращение",), "до 20 знака", "МАТ"),
    Column("spoken_name", "Изговаряне", False, (),
           "как телефонната линия да произнася предмета (ако се чете трудно)", ""),
]  # fmt: skip


def validate_subjects(table: Table, school_id: int) -> Plan:
    plan = Plan.of_table("subjects", table)
    h = header_names(table, SUBJECT_COLUMNS)
    existing = {
        s.name.casefold(): s
        for s in db.session.scalars(sa.select(Subject).where(Subject.school_id == school_id))
    }
    seen: dict[str, int] = {}
    for row, v in table.rows:
        name = re.sub(r"\s+", " ", v.get("name", "")).strip()
        if not name or len(name) > 100:
            plan.add(row, h["name"], "задължително поле, до 100 знака")
            continue
        if name.casefold() in seen:
            plan.add(row, h["name"], f"предметът се повтаря (ред {seen[name.casefold()]})")
            continue
        seen[name.casefold()] = row
        short, spoken = v.get("short_name", "")[:20], v.get("spoken_name", "")[:100] or None
        current = existing.get(name.casefold())
        if current is None:
            action = "new"
        else:
            action = (
                "same" if (current.short_name, current.spoken_name) == (short, spoken) else "update"
            )
        plan.items.append({"row": row, "action": action, "name": name, "short_name": short,
                           "spoken_name": spoken, "id": current.id if current else None})  # fmt: skip
    plan.errors.sort()
    return plan


def commit_subjects(school_id: int, plan: Plan, **_: Any) -> dict[str, int]:
    for item in plan.items:
        if item["action"] == "new":
            db.session.add(Subject(school_id=school_id, name=item["name"],
                                   short_name=item["short_name"], spoken_name=item["spoken_name"]))  # fmt: skip
        elif item["action"] == "update":
            subject = db.session.get(Subject, item["id"])
            assert subject is not None and subject.school_id == school_id
            subject.short_name, subject.spoken_name = item["short_name"], item["spoken_name"]
    db.session.commit()
    return plan.totals()


KIND = ImportKind("subjects", "Предмети", SUBJECT_COLUMNS, validate_subjects, commit_subjects, 3)
