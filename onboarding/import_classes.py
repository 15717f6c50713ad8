"""The class list: each class of the current school year with its year group, class teacher,
shift and profile.

Classes are matched by normalised name ("5 а" and "5А" are one class); a blank cell keeps what
an existing class has.
"""

from __future__ import annotations

import re
from typing import Any

from models import SchoolClass
from models import db
from onboarding.import_plan import ImportKind
from onboarding.import_plan import Plan
from onboarding.import_plan import classes_by_name
from onboarding.import_plan import current_year
from onboarding.import_plan import header_names
from onboarding.import_plan import teacher_emails
from onboarding.import_plan import teacher_of
from onboarding.tabular import Column
from onboarding.tabular import Table
from onboarding.tabular import class_grade_level
from onboarding.tabular import normalize_class_name
from onboarding.tabular import parse_grade_level
from onboarding.tabular import parse_int

CLASS_COLUMNS: list[Column] = [
    Column("class_name", "Клас", True, ("паралелка",), "име на паралелката (напр. 8е)", "5а"),
    Column("grade_level", "Випуск", False, ("клас (випуск)", "клас по ред"),
           "1–12, I–XII или ПГ; празно = по името (\"8е\" → 8)", "5"),
    Column("class_teacher_email", "Класен ръководител – e-mail", False,
           ("класен ръководител", "класен ръководител email"),
           "e-mail на учител от списъка с учители", "r.petrova@sou.example.bg"),
    Column("shift", "Смяна", False, (), "1 или 2 (празно = 1)", "1"),
    Column("profile", "Профил", False, ("профил/специалност",), "профил или специалност", ""),
]  # fmt: skip


def validate_classes(table: Table, school_id: int) -> Plan:
    plan = Plan.of_table("classes", table)
    h = header_names(table, CLASS_COLUMNS)
    year = current_year(school_id)
    existing = classes_by_name(school_id, year.id)
    teachers = teacher_emails(school_id)
    seen: dict[str, int] = {}
    for row, v in table.rows:
        errors_before = len(plan.errors)
        name = re.sub(r"\s+", "", v.get("class_name", ""))
        if not name or len(name) > 20:
            plan.add(row, h["class_name"], "задължително поле, до 20 знака")
        elif normalize_class_name(name) in seen:
            plan.add(
                row,
                h["class_name"],
                f"паралелката се повтаря (ред {seen[normalize_class_name(name)]})",
            )
        else:
            seen[normalize_class_name(name)] = row
        level: int | None = None
        try:
            level = (
                parse_grade_level(v["grade_level"])
                if v.get("grade_level")
                else class_grade_level(name)
            )
            if level is None:
                raise ValueError("попълнете випуска (1–12 или ПГ): не личи от името")
        except ValueError as exc:
            plan.add(row, h["grade_level"], str(exc))
        teacher_id = teacher_of(
            plan, row, h["class_teacher_email"], v.get("class_teacher_email", ""), teachers
        )
        shift = 1
        if v.get("shift"):
            try:
                shift = parse_int(v["shift"], 1, 2, "смяната")
            except ValueError as exc:
                plan.add(row, h["shift"], str(exc))
        if len(plan.errors) > errors_before:
            continue
        current = existing.get(normalize_class_name(name))
        values: dict[str, Any] = dict(grade_level=level, class_teacher_id=teacher_id, shift=shift,
                                      profile=v.get("profile", "")[:100])  # fmt: skip
        if current is not None:  # a blank cell keeps what the class has
            for key, column in (("class_teacher_id", "class_teacher_email"), ("shift", "shift"),
                                ("profile", "profile")):  # fmt: skip
                if not v.get(column):
                    values[key] = getattr(current, key)
        if current is None:
            action = "new"
        else:
            same = all(getattr(current, k) == val for k, val in values.items())
            action = "same" if same else "update"
        plan.items.append({"row": row, "action": action, "name": name,
                           "id": current.id if current else None, **values})  # fmt: skip
    plan.errors.sort()
    return plan


def commit_classes(school_id: int, plan: Plan, **_: Any) -> dict[str, int]:
    year = current_year(school_id)
    for item in plan.items:
        if item["action"] == "new":
            db.session.add(SchoolClass(school_id=school_id, school_year_id=year.id,
                                       name=item["name"], grade_level=item["grade_level"],
                                       class_teacher_id=item["class_teacher_id"],
                                       shift=item["shift"], profile=item["profile"]))  # fmt: skip
        elif item["action"] == "update":
            klass = db.session.get(SchoolClass, item["id"])
            assert klass is not None and klass.school_id == school_id
            for key in ("grade_level", "class_teacher_id", "shift", "profile"):
                setattr(klass, key, item[key])
    db.session.commit()
    return plan.totals()


KIND = ImportKind("classes", "Паралелки", CLASS_COLUMNS, validate_classes, commit_classes, 2)
