"""The student list: each pupil with class, № in class, ЕГН/ЛНЧ/ИДН and up to two parents.

``validate_students`` is pure: it takes the rows and a :class:`StudentContext` of plain data
loaded from the database (``load_student_context``) and returns a plan — every bad row named,
the new and changed students, the students of the listed classes missing from the file.
``commit_students`` writes a valid plan in one transaction: students, enrollments (a move closes
the old one, a renumbering in the same class replaces it), then the parents
(:mod:`onboarding.import_guardians`), and rebuilds the read model.

Students are matched by (id type, ЕГН/ЛНЧ/ИДН) within the school, so re-importing is
idempotent. Students missing from a new list are only *proposed* as leaving
(``importer.leaver_candidates``); the admin confirms them with :func:`confirm_leavers`. Nothing
is deleted, and a № in class is never given to another student.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import rules
from models import AuditLog
from models import Enrollment
from models import SchoolClass
from models import Student
from models import db
from onboarding.file_error import ImportFileError
from onboarding.import_guardians import link_parents
from onboarding.import_guardians import parent_columns
from onboarding.import_guardians import parse_parents
from onboarding.import_plan import ImportKind
from onboarding.import_plan import Leaver
from onboarding.import_plan import Plan
from onboarding.import_plan import Progress
from onboarding.import_plan import chunks
from onboarding.import_plan import current_year
from onboarding.import_plan import header_names
from onboarding.import_plan import import_audit
from onboarding.import_plan import with_progress
from onboarding.tabular import Column
from onboarding.tabular import Table
from onboarding.tabular import normalize_class_name
from onboarding.tabular import parse_bool
from onboarding.tabular import parse_date
from onboarding.tabular import parse_int

ID_TYPES_BG = {"егн": "egn", "лнч": "lnch", "идн": "idn", "": "egn"}

STUDENT_COLUMNS: list[Column] = [
    Column("class_name", "Клас", True, ("паралелка", "клас/паралелка"),
           "паралелката, както е създадена в училището (напр. 8е, 10А); трябва да съществува",
           "5а"),
    Column("class_number", "№ в клас", True, ("номер в клас", "№", "номер", "no", "n"),
           "номер в класа, 1–99, без повторение в паралелката", "1"),
    Column("first_name", "Име", True, ("собствено име",), "собствено име", "Иван"),
    Column("middle_name", "Презиме", False, ("бащино име",), "презиме (може да е празно)",
           "Петров"),
    Column("last_name", "Фамилия", True, ("фамилно име",), "фамилия", "Иванов"),
    Column("id_type", "Вид идентификатор", False, ("вид на идентификатора", "тип"),
           "ЕГН, ЛНЧ или ИДН (празно = ЕГН)", "ЕГН"),
    Column("personal_id", "ЕГН/ЛНЧ/ИДН", True, ("егн", "лнч", "идн", "егн/лнч", "идентификатор"),
           "ЕГН (10 цифри, с проверка), ЛНЧ или ИДН; в Excel форматирайте колоната като текст",
           "1446101234"),
    Column("birth_date", "Дата на раждане", False, ("рождена дата",),
           "дд.мм.гггг; при ЕГН може да е празна (взима се от ЕГН)", "10.06.2014"),
    Column("gender", "Пол", False, (), "М или Ж; при ЕГН може да е празно", "М"),
    Column("sop", "СОП", False, ("спец. образователни потребности",),
           "да/не: ученик със специални образователни потребности", "не"),
    *parent_columns(1),
    *parent_columns(2),
]  # fmt: skip

CHANGE_LABELS = {"first_name": "име", "middle_name": "презиме", "last_name": "фамилия",
                 "birth_date": "дата на раждане", "gender": "пол", "sop": "СОП",
                 "class": "клас или №"}  # fmt: skip


# --- value helpers ------------------------------------------------------------------------------
def _name(text: str, required: bool) -> str:
    value = re.sub(r"\s+", " ", text).strip()
    if required and not value:
        raise ValueError("задължително поле")
    if len(value) > 100:
        raise ValueError("най-много 100 знака")
    if value and not re.fullmatch(r"[^\W\d_]+(?:[ '’.\-][^\W\d_]+)*\.?", value):
        raise ValueError("съдържа недопустими знаци")
    return value


# --- students: context ----------------------------------------------------------------------------
@dataclass
class StudentContext:
    """Plain data about the school the validation needs (loaded by load_student_context)."""

    school_id: int
    year_id: int
    classes: dict[str, tuple[int, str, int]]  # normalised name → (id, name, grade level)
    students: dict[tuple[str, str], dict[str, Any]]  # (id type, id) → fields
    # (class_id, number) → (student_id, label, active)
    numbers: dict[tuple[int, int], tuple[int, str, bool]]
    active: dict[int, tuple[int, int]]  # student_id → (class_id, number) in the current year


def load_student_context(school_id: int) -> StudentContext:
    year = current_year(school_id)
    classes = {
        normalize_class_name(c.name): (c.id, c.name, c.grade_level)
        for c in db.session.scalars(
            sa.select(SchoolClass).where(
                SchoolClass.school_id == school_id, SchoolClass.school_year_id == year.id
            )
        )
    }
    students: dict[tuple[str, str], dict[str, Any]] = {}
    names: dict[int, str] = {}
    for s in db.session.execute(
        sa.select(
            Student.id,
            Student.personal_id_type,
            Student.personal_id,
            Student.first_name,
            Student.middle_name,
            Student.last_name,
            Student.birth_date,
            Student.gender,
            Student.sop,
        ).where(Student.school_id == school_id)
    ):
        names[s.id] = f"{s.first_name} {s.last_name}"
        if s.personal_id:
            students[(str(s.personal_id_type), s.personal_id)] = {
                "id": s.id,
                "first_name": s.first_name,
                "middle_name": s.middle_name,
                "last_name": s.last_name,
                "birth_date": s.birth_date,
                "gender": s.gender,
                "sop": s.sop,
            }
    class_ids = {v[0] for v in classes.values()}
    numbers: dict[tuple[int, int], tuple[int, str, bool]] = {}
    active: dict[int, tuple[int, int]] = {}
    if class_ids:
        for e in db.session.execute(
            sa.select(
                Enrollment.student_id,
                Enrollment.class_id,
                Enrollment.class_number,
                Enrollment.left_on,
            ).where(Enrollment.school_id == school_id, Enrollment.class_id.in_(class_ids))
        ):
            is_active = e.left_on is None
            numbers[(e.class_id, e.class_number)] = (
                e.student_id,
                names.get(e.student_id, ""),
                is_active,
            )
            if is_active:
                active[e.student_id] = (e.class_id, e.class_number)
    return StudentContext(school_id, year.id, classes, students, numbers, active)


# --- students: validation (pure) ---------------------------------------------------------------------
def _parse_student_row(
    row: int, values: dict[str, str], headers: dict[str, str], plan: Plan
) -> dict[str, Any] | None:
    """One row to clean fields, adding an error per bad cell; None when any cell is bad."""
    out: dict[str, Any] = {"row": row}
    bad = False

    def fail(key: str, message: str) -> None:
        nonlocal bad
        bad = True
        column = next((c.header for c in STUDENT_COLUMNS if c.key == key), key)
        plan.add(row, headers.get(key, column), message)

    def get(key: str) -> str:
        return values.get(key, "").strip()

    for key, required in (("first_name", True), ("middle_name", False), ("last_name", True)):
        try:
            out[key] = _name(get(key), required)
        except ValueError as exc:
            fail(key, str(exc))
    raw_type = get("id_type").casefold()
    id_type = ID_TYPES_BG.get(raw_type)
    if id_type is None:
        fail("id_type", "видът трябва да е ЕГН, ЛНЧ или ИДН")
        id_type = "egn"
    out["id_type"] = id_type
    personal_id = re.sub(r"[\s\-]", "", get("personal_id"))
    if personal_id.endswith(".0"):
        personal_id = personal_id[:-2]
    if id_type in ("egn", "lnch") and personal_id.isdigit() and 6 <= len(personal_id) < 10:
        personal_id = personal_id.zfill(10)  # Excel dropped the leading zeros
    out["personal_id"] = personal_id
    egn_birth: dt.date | None = None
    egn_gender: str | None = None
    if not personal_id:
        fail("personal_id", "задължително поле")
    else:
        try:
            rules.validate_personal_id(id_type, personal_id)
            if id_type == "egn":
                egn_birth, egn_gender = rules.egn_info(personal_id)
        except rules.RuleError as exc:
            fail("personal_id", exc.message_bg)
    out["class_name"] = get("class_name")
    if not out["class_name"]:
        fail("class_name", "задължително поле")
    try:
        out["class_number"] = parse_int(get("class_number"), 1, 99, "номерът в класа")
    except ValueError as exc:
        fail("class_number", str(exc))
    birth = get("birth_date")
    out["birth_date"] = egn_birth
    if birth:
        try:
            parsed = parse_date(birth)
            if egn_birth and parsed != egn_birth:
                fail("birth_date", "датата на раждане не съвпада с ЕГН")
            out["birth_date"] = parsed
        except ValueError as exc:
            fail("birth_date", str(exc))
    gender = get("gender").casefold()
    genders = {"м": "M", "m": "M", "мъж": "M", "ж": "F", "f": "F", "жена": "F", "": egn_gender}
    if gender not in genders:
        fail("gender", "полът трябва да е М или Ж")
    else:
        out["gender"] = genders[gender]
        if egn_gender and genders[gender] and genders[gender] != egn_gender:
            fail("gender", "полът не съвпада с ЕГН")
    try:
        out["sop"] = parse_bool(get("sop"))
    except ValueError as exc:
        fail("sop", str(exc))
    out["parents"] = parse_parents(get, fail)
    return None if bad else out


def validate_students(table: Table, ctx: StudentContext) -> Plan:
    plan = Plan.of_table("students", table)
    formula_rows = {e.row for e in table.cell_errors}
    headers = table.headers
    header_of = header_names(table, STUDENT_COLUMNS)
    parsed: list[dict[str, Any]] = []
    for row, values in table.rows:
        item = _parse_student_row(row, values, headers, plan)
        if item is not None and row not in formula_rows:
            parsed.append(item)
    # cross-row and database checks
    seen_ids: dict[tuple[str, str], int] = {}
    seen_numbers: dict[tuple[int, int], int] = {}
    matched: set[int] = set()
    file_classes: set[int] = set()
    for item in parsed:
        row = item["row"]
        klass = ctx.classes.get(normalize_class_name(item["class_name"]))
        if klass is None:
            plan.add(row, header_of["class_name"],
                     f"няма паралелка „{item['class_name']}“ в текущата учебна година "
                     "(първо импортирайте или създайте паралелките)")  # fmt: skip
            continue
        class_id, class_name, _level = klass
        file_classes.add(class_id)
        item["class_id"], item["class_label"] = class_id, class_name
        key = (item["id_type"], item["personal_id"])
        if key in seen_ids:
            plan.add(row, header_of["personal_id"],
                     f"същият идентификатор вече е на ред {seen_ids[key]}")  # fmt: skip
            continue
        seen_ids[key] = row
        slot = (class_id, item["class_number"])
        if slot in seen_numbers:
            plan.add(row, header_of["class_number"],
                     f"№ {item['class_number']} в {class_name} се повтаря (ред {seen_numbers[slot]})")  # fmt: skip
            continue
        seen_numbers[slot] = row
        existing = ctx.students.get(key)
        item["student_id"] = existing["id"] if existing else None
        if existing:
            matched.add(existing["id"])
    # numbers held by someone else in the database
    rows_by_student = {i["student_id"]: i for i in parsed if i.get("student_id")}
    bad_rows = {e.row for e in plan.errors}
    for item in parsed:
        if "class_id" not in item or item["row"] in bad_rows:
            continue
        slot = (item["class_id"], item["class_number"])
        holder = ctx.numbers.get(slot)
        if holder is None or holder[0] == item.get("student_id"):
            if holder is not None and not holder[2]:
                plan.add(item["row"], header_of["class_number"],
                         f"№ {item['class_number']} в {item['class_label']} е на ученика, когато е "
                         "напуснал класа; изберете нов номер")  # fmt: skip
            continue
        holder_id, label, is_active = holder
        if not is_active:
            plan.add(item["row"], header_of["class_number"],
                     f"№ {item['class_number']} в {item['class_label']} е бил на напуснал ученик "
                     f"({label}); номерата не се преизползват — изберете следващ свободен")  # fmt: skip
        elif holder_id in rows_by_student:
            moving = rows_by_student[holder_id]
            if (moving.get("class_id"), moving.get("class_number")) == slot:
                continue  # cannot happen: slots are unique in the file
            if moving.get("class_id") != item["class_id"]:
                plan.add(item["row"], header_of["class_number"],
                         f"№ {item['class_number']} в {item['class_label']} остава на {label}, "
                         "който се премества в друг клас; номерата не се преизползват")  # fmt: skip
        else:
            plan.add(item["row"], header_of["class_number"],
                     f"№ {item['class_number']} в {item['class_label']} е на ученика {label}, "
                     "който липсва в списъка: първо потвърдете напускането му или изберете друг номер")  # fmt: skip
    # actions
    for item in parsed:
        if "class_id" not in item:
            continue
        existing = ctx.students.get((item["id_type"], item["personal_id"]))
        if existing is None:
            item["action"] = "new"
            item["changes"] = []
        else:
            changes = [
                CHANGE_LABELS[k]
                for k in ("first_name", "middle_name", "last_name", "birth_date", "gender", "sop")
                if existing[k] != item[k] and not (k == "gender" and item[k] is None)
            ]
            if ctx.active.get(existing["id"]) != (item["class_id"], item["class_number"]):
                changes.append(CHANGE_LABELS["class"])
            item["changes"] = changes
            item["action"] = "update" if changes else "same"
        plan.items.append(item)
    # students of the listed classes who are not in the file: proposed as leaving
    labels = {v[0]: v[1] for v in ctx.classes.values()}
    for (class_id, number), (student_id, label, is_active) in sorted(ctx.numbers.items()):
        if is_active and class_id in file_classes and student_id not in matched:
            plan.leavers.append(Leaver(student_id, label, labels.get(class_id, ""), number))
    plan.errors.sort()
    return plan


# --- students: commit ---------------------------------------------------------------------------
def _unique_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        batch = {rules.new_student_code() for _ in range(count - len(codes))}
        batch -= codes
        taken = set()
        for chunk in chunks(sorted(batch), 500):
            taken |= set(
                db.session.scalars(
                    sa.select(Student.student_code).where(Student.student_code.in_(chunk))
                )
            )
        codes |= batch - taken
    return list(codes)  # random already: no order to hide


def _open_enrollments(school_id: int, year_id: int, student_ids: Sequence[int]) -> list[Enrollment]:
    """The students' enrollments of this school year that are still open (one per student)."""
    found: list[Enrollment] = []
    for chunk in chunks(student_ids, 500):
        found.extend(
            db.session.scalars(
                sa.select(Enrollment)
                .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                .where(
                    Enrollment.school_id == school_id,
                    Enrollment.student_id.in_(chunk),
                    Enrollment.left_on.is_(None),
                    SchoolClass.school_year_id == year_id,
                )
            )
        )
    return found


def commit_students(
    school_id: int,
    plan: Plan,
    actor_id: int | None = None,
    invite: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write a valid student plan in one transaction; returns counts. Raises on a plan with
    errors (nothing is written)."""
    if not plan.ok:
        raise ImportFileError("plan has errors", "Файлът има грешки: нищо не е записано.")
    today = clock.today()
    year = current_year(school_id)
    enrolled_on = max(today, year.starts_on)
    new_items = [i for i in plan.items if i["action"] == "new"]
    codes = iter(_unique_codes(len(new_items)))
    try:
        # 1. students
        by_id = {}
        existing_ids = [i["student_id"] for i in plan.items if i["student_id"]]
        for chunk in chunks(existing_ids, 500):
            for s in db.session.scalars(
                sa.select(Student).where(Student.school_id == school_id, Student.id.in_(chunk))
            ):
                by_id[s.id] = s
        created: list[dict[str, Any]] = []
        fields_of = ("first_name", "middle_name", "last_name", "birth_date", "gender", "sop")
        for item in with_progress(progress, plan.items):
            fields = {k: item[k] for k in fields_of}
            if item["action"] == "new":
                created.append(
                    dict(school_id=school_id, personal_id_type=item["id_type"],
                         personal_id=item["personal_id"], student_code=next(codes), **fields)
                )  # fmt: skip
            elif item["action"] == "update":
                student = by_id[item["student_id"]]
                for key, value in fields.items():
                    if key == "gender" and value is None:
                        continue
                    setattr(student, key, value)
        db.session.flush()
        for chunk in chunks(created, 1000):
            db.session.execute(Student.__table__.insert(), list(chunk))
        new_ids: dict[tuple[str, str], int] = {}
        new_pids = [row["personal_id"] for row in created]
        for chunk in chunks(new_pids, 500):
            for sid, kind, pid in db.session.execute(
                sa.select(Student.id, Student.personal_id_type, Student.personal_id).where(
                    Student.school_id == school_id, Student.personal_id.in_(chunk)
                )
            ):
                new_ids[(str(kind), pid)] = sid
        for item in new_items:
            item["student_id"] = new_ids[(item["id_type"], item["personal_id"])]
        # 2. enrollments: close moves, drop renumbered active rows, then insert the new ones
        class_ids = {i["class_id"] for i in plan.items}
        ids = [i["student_id"] for i in plan.items]
        active = {e.student_id: e for e in _open_enrollments(school_id, year.id, ids)}
        labels = dict(
            db.session.execute(
                sa.select(SchoolClass.id, SchoolClass.name).where(SchoolClass.id.in_(class_ids))
            ).all()
        )
        inserts = []
        moved = 0
        for item in plan.items:
            current = active.get(item["student_id"])
            target = (item["class_id"], item["class_number"])
            if current is not None and (current.class_id, current.class_number) == target:
                continue
            start = enrolled_on
            if current is not None and current.class_id == item["class_id"]:
                start = current.enrolled_on
                db.session.delete(current)  # renumbered in the same class
            elif current is not None:
                current.left_on = today
                current.left_reason = f"преместен в {labels.get(item['class_id'], '')}"[:200]
                moved += 1
            inserts.append(
                dict(
                    school_id=school_id,
                    student_id=item["student_id"],
                    class_id=item["class_id"],
                    class_number=item["class_number"],
                    enrolled_on=start,
                )
            )
        db.session.flush()
        if inserts:
            db.session.execute(Enrollment.__table__.insert(), inserts)
        # 3. parents
        parents_created, links_created, invited = link_parents(school_id, plan.items, invite)
        counts = {
            "new": len(created),
            "updated": plan.count("update"),
            "unchanged": plan.count("same"),
            "moved": moved,
            "parents_new": parents_created,
            "links_new": links_created,
            "invited": invited,
        }
        db.session.add(
            import_audit(
                school_id, actor_id, "student_list", counts, f"импорт на ученици: {plan.rows} реда"
            )
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    _rebuild(school_id)
    return counts


def _rebuild(school_id: int) -> None:
    from gradebook import summary

    summary.rebuild_school(school_id)
    db.session.commit()


def confirm_leavers(
    school_id: int,
    student_ids: Iterable[int],
    on_date: dt.date,
    reason: str = "",
    actor_id: int | None = None,
) -> int:
    """Close the current-year enrollments of the given students of this school (the admin
    confirmed they left); returns how many. Other schools' students are ignored."""
    year = current_year(school_id)
    ids = list({int(i) for i in student_ids})
    if not ids:
        return 0
    rows = _open_enrollments(school_id, year.id, ids)
    for enrollment in rows:
        enrollment.left_on = on_date
        enrollment.left_reason = (reason or "отписан")[:200]
        db.session.add(
            AuditLog(
                school_id=school_id,
                actor_type="staff" if actor_id else "system",
                actor_id=actor_id,
                action="leave",
                object_type="enrollment",
                object_id=enrollment.id,
                student_id=enrollment.student_id,
                reason=(reason or "отписан")[:500],
            )
        )
    db.session.commit()
    _rebuild(school_id)
    return len(rows)


def _validate(table: Table, school_id: int) -> Plan:
    return validate_students(table, load_student_context(school_id))


KIND = ImportKind("students", "Ученици", STUDENT_COLUMNS, _validate, commit_students, 5)
