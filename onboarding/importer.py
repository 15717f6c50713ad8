"""Import of the school lists: parse → validate → preview → one all-or-nothing commit.

Layers:

* :mod:`onboarding.tabular` reads a file into rows (pure).
* ``validate_*`` functions here are pure too: they take the rows and a context of plain data
  loaded from the database (``load_*_context``) and return a plan — every bad row named (row,
  column, problem in Bulgarian), the new and changed records, the students missing from the list.
* ``commit_*`` functions write a valid plan in one transaction (nothing is written when the plan
  has errors) and return counts.

Re-importing is idempotent: students are matched by (id type, ЕГН/ЛНЧ/ИДН) within the school,
classes by name in the current school year, teachers by e-mail, subjects by name. Students missing
from a new list are only *proposed* as leaving (:func:`leaver_candidates`); the admin confirms them
with :func:`confirm_leavers`. Nothing is deleted.

Public API::

    KINDS: dict[str, ImportKind]                 # students, classes, teachers, subjects, curriculum
    preview(kind, school_id, filename, data) -> Plan
    commit(kind, school_id, filename, data, actor_id=None, invite=False, progress=None) -> dict
    leaver_candidates(school_id, filename, data) -> list[Leaver]
    confirm_leavers(school_id, student_ids, on_date, reason, actor_id=None) -> int
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from config import clock
from gradebook import rules
from models import AuditLog
from models import Channel
from models import Curriculum
from models import CurriculumSection
from models import Enrollment
from models import Guardian
from models import GuardianStudent
from models import NotificationOutbox
from models import NotifyEvent
from models import Relation
from models import School
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import Student
from models import Subject
from models import db
from onboarding.contacts import normalize_email
from onboarding.contacts import normalize_phone
from onboarding.file_error import ImportFileError
from onboarding.limits import Limits
from onboarding.tabular import Column
from onboarding.tabular import RowError
from onboarding.tabular import Table
from onboarding.tabular import class_grade_level
from onboarding.tabular import normalize_class_name
from onboarding.tabular import parse_bool
from onboarding.tabular import parse_date
from onboarding.tabular import parse_grade_level
from onboarding.tabular import parse_int
from onboarding.tabular import read_table

log = logging.getLogger("belezhnik.onboarding")

Progress = Callable[[Iterable[Any], int], Iterator[Any]]

# --- column specs ---------------------------------------------------------------------------------
ID_TYPES_BG = {"егн": "egn", "лнч": "lnch", "идн": "idn", "": "egn"}
RELATIONS_BG = {
    "майка": Relation.MOTHER,
    "баща": Relation.FATHER,
    "настойник": Relation.GUARDIAN,
    "попечител": Relation.GUARDIAN,
    "друг": Relation.OTHER,
    "": Relation.OTHER,
}


def _parent_columns(n: int) -> list[Column]:
    p = f"Родител {n}"
    return [
        Column(f"p{n}_name", f"{p} – имена", aliases=(f"родител{n} имена", f"родител {n}"),
               doc="имена на родителя/настойника", example="Мария Иванова" if n == 1 else ""),
        Column(f"p{n}_relation", f"{p} – роля", aliases=(f"родител {n} роля",),
               doc="майка, баща, настойник или друг (празно = друг)",
               example="майка" if n == 1 else ""),
        Column(f"p{n}_phone", f"{p} – телефон", aliases=(f"родител {n} телефон",),
               doc="мобилен телефон: 0888 123 456 или +359888123456",
               example="0888123456" if n == 1 else ""),
        Column(f"p{n}_email", f"{p} – e-mail", aliases=(f"родител {n} email",),
               doc="e-mail адрес", example="maria.ivanova@example.bg" if n == 1 else ""),
    ]  # fmt: skip


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
    *_parent_columns(1),
    *_parent_columns(2),
]  # fmt: skip

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

TEACHER_COLUMNS: list[Column] = [
    Column("full_name", "Имена", True, ("име и фамилия", "имена на учителя"),
           "имена на служителя", "Росица Петрова"),
    Column("email", "E-mail", True, ("email", "електронна поща"),
           "e-mail за вход в системата (уникален)", "r.petrova@sou.example.bg"),
    Column("phone", "Телефон", False, (), "мобилен телефон", "0888765432"),
    Column("position", "Длъжност", False, (), "напр. учител по математика", "учител"),
    Column("role", "Роля", False, ("права",),
           "учител или администратор (директор, заместник, секретар); празно = учител",
           "учител"),
]  # fmt: skip

SUBJECT_COLUMNS: list[Column] = [
    Column("name", "Предмет", True, ("учебен предмет",), "наименование на предмета",
           "Математика"),
    Column("short_name", "Кратко име", False, ("съкращение",), "до 20 знака", "МАТ"),
    Column("spoken_name", "Изговаряне", False, (),
           "как телефонната линия да произнася предмета (ако се чете трудно)", ""),
]  # fmt: skip

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


CHANGE_LABELS = {"first_name": "име", "middle_name": "презиме", "last_name": "фамилия",
                 "birth_date": "дата на раждане", "gender": "пол", "sop": "СОП",
                 "class": "клас или №"}  # fmt: skip
COUNT_LABELS = {"new": "нови", "updated": "променени", "unchanged": "без промяна",
                "moved": "преместени", "parents_new": "нови родители",
                "links_new": "нови връзки родител–ученик",
                "invited": "поканени", "subjects_new": "нови предмети",
                "replaced": "заменени часове", "classes": "паралелки"}  # fmt: skip


def counts_text(counts: dict[str, int]) -> str:
    """ "нови 11, променени 0, …" for people (CLI, flash)."""
    return ", ".join(f"{COUNT_LABELS.get(k, k)} {v}" for k, v in counts.items())


# --- plan -------------------------------------------------------------------------------------------
@dataclass
class Leaver:
    student_id: int
    name: str
    class_name: str
    class_number: int


@dataclass
class Plan:
    kind: str
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    leavers: list[Leaver] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0

    @classmethod
    def of_table(cls, kind: str, table: Table) -> Plan:
        """A plan for the rows of ``table``, starting with its cell errors (formulas)."""
        return cls(
            kind=kind,
            errors=list(table.cell_errors),
            encoding=table.encoding,
            delimiter=table.delimiter,
            rows=len(table.rows),
        )

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item["action"] == action)

    def totals(self) -> dict[str, int]:
        """What an apply step reports: rows new, updated and unchanged."""
        return {
            "new": self.count("new"),
            "updated": self.count("update"),
            "unchanged": self.count("same"),
        }

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))


def _file_error_plan(kind: str, exc: ImportFileError) -> Plan:
    plan = Plan(kind=kind)
    plan.add(0, "", exc.message_bg)
    return plan


def _current_year(school_id: int) -> SchoolYear:
    year = SchoolYear.current_for(school_id)
    if year is None:
        raise ImportFileError(
            f"school {school_id} has no current year", "Училището няма текуща учебна година."
        )
    return year


def _classes_by_name(school_id: int, year_id: int) -> dict[str, SchoolClass]:
    """The school's classes of that year by normalised name ("5 а" and "5А" are one class)."""
    return {
        normalize_class_name(c.name): c
        for c in db.session.scalars(
            sa.select(SchoolClass).where(
                SchoolClass.school_id == school_id, SchoolClass.school_year_id == year_id
            )
        )
    }


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
    year = _current_year(school_id)
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
    parents = []
    for n in (1, 2):
        name, relation = get(f"p{n}_name"), get(f"p{n}_relation").casefold()
        phone, email = get(f"p{n}_phone"), get(f"p{n}_email")
        if not (name or phone or email):
            if relation:
                fail(f"p{n}_name", "има роля, но няма имена и контакти на родителя")
            continue
        parent: dict[str, Any] = {"name": re.sub(r"\s+", " ", name)[:200]}
        if relation not in RELATIONS_BG:
            fail(f"p{n}_relation", "ролята трябва да е майка, баща, настойник или друг")
        parent["relation"] = RELATIONS_BG.get(relation, Relation.OTHER)
        parent["phone"] = None
        parent["email"] = None
        if phone:
            try:
                parent["phone"] = normalize_phone(phone)
            except ValueError as exc:
                fail(f"p{n}_phone", str(exc))
        if email:
            try:
                parent["email"] = normalize_email(email)
            except ValueError as exc:
                fail(f"p{n}_email", str(exc))
        if not (phone or email):
            fail(f"p{n}_phone", "за родителя е нужен телефон или e-mail")
        parents.append(parent)
    out["parents"] = parents
    return None if bad else out


def validate_students(table: Table, ctx: StudentContext) -> Plan:
    plan = Plan.of_table("students", table)
    formula_rows = {e.row for e in table.cell_errors}
    headers = table.headers
    header_of = {c.key: headers.get(c.key, c.header) for c in STUDENT_COLUMNS}
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


def _read(kind: str, filename: str, data: bytes) -> Table:
    """Parse an upload within the configured limits (onboarding/limits.py)."""
    from flask import current_app

    limits = Limits.from_config(current_app.config)
    return read_table(filename, data, KINDS[kind].columns, limits)


# A parsed upload: its table, or the reason the whole file was refused (views keep it beside
# the upload, so that a preview shown again is not parsed again).
Parsed = Table | ImportFileError


def parse(kind: str, filename: str, data: bytes) -> Parsed:
    try:
        return _read(kind, filename, data)
    except ImportFileError as exc:
        return exc


def _table(kind: str, filename: str, data: bytes, parsed: Parsed | None) -> Table:
    parsed = parse(kind, filename, data) if parsed is None else parsed
    if isinstance(parsed, ImportFileError):
        raise parsed
    return parsed


# --- students: commit ---------------------------------------------------------------------------
def _unique_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        batch = {rules.new_student_code() for _ in range(count - len(codes))}
        batch -= codes
        taken = set()
        for chunk in _chunks(sorted(batch), 500):
            taken |= set(
                db.session.scalars(
                    sa.select(Student.student_code).where(Student.student_code.in_(chunk))
                )
            )
        codes |= batch - taken
    return list(codes)  # random already: no order to hide


def _chunks(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _progress(progress: Progress | None, items: list[Any]) -> Iterable[Any]:
    return progress(items, len(items)) if progress else items


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
    year = _current_year(school_id)
    enrolled_on = max(today, year.starts_on)
    new_items = [i for i in plan.items if i["action"] == "new"]
    codes = iter(_unique_codes(len(new_items)))
    try:
        # 1. students
        by_id = {}
        existing_ids = [i["student_id"] for i in plan.items if i["student_id"]]
        for chunk in _chunks(existing_ids, 500):
            for s in db.session.scalars(
                sa.select(Student).where(Student.school_id == school_id, Student.id.in_(chunk))
            ):
                by_id[s.id] = s
        created: list[dict[str, Any]] = []
        fields_of = ("first_name", "middle_name", "last_name", "birth_date", "gender", "sop")
        for item in _progress(progress, plan.items):
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
        for chunk in _chunks(created, 1000):
            db.session.execute(Student.__table__.insert(), list(chunk))
        new_ids: dict[tuple[str, str], int] = {}
        new_pids = [row["personal_id"] for row in created]
        for chunk in _chunks(new_pids, 500):
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
        active: dict[int, Enrollment] = {}
        for chunk in _chunks(ids, 500):
            for e in db.session.scalars(
                sa.select(Enrollment)
                .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
                .where(
                    Enrollment.school_id == school_id,
                    Enrollment.student_id.in_(chunk),
                    Enrollment.left_on.is_(None),
                    SchoolClass.school_year_id == year.id,
                )
            ):
                active[e.student_id] = e
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
        parents_created, links_created, invited = _link_parents(school_id, plan.items, invite)
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
            AuditLog(
                school_id=school_id,
                actor_type="staff" if actor_id else "system",
                actor_id=actor_id,
                action="import",
                object_type="student_list",
                after=counts,
                reason=f"импорт на ученици: {plan.rows} реда",
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


@dataclass
class _Parent:
    """A guardian as the import sees it: an existing row (id set) or one to insert."""

    id: int | None
    full_name: str
    email: str | None
    phone: str | None
    has_password: bool = False
    row: Guardian | None = None  # the loaded row of an existing guardian (to fill blanks)


def _link_parents(
    school_id: int, items: list[dict[str, Any]], invite: bool
) -> tuple[int, int, int]:
    """Match the listed parents to guardians (by e-mail, then phone), create the missing ones
    and link them to the students; bulk statements, no per-row round trips."""
    emails = sorted({p["email"] for i in items for p in i["parents"] if p["email"]})
    phones = sorted({p["phone"] for i in items for p in i["parents"] if p["phone"]})
    by_email: dict[str, _Parent] = {}
    by_phone: dict[str, _Parent] = {}

    def known(g: Guardian) -> _Parent:
        return _Parent(g.id, g.full_name, g.email, g.phone, g.password_hash is not None, g)

    for chunk in _chunks(emails, 500):
        for g in db.session.scalars(sa.select(Guardian).where(Guardian.email.in_(chunk))):
            by_email[g.email or ""] = known(g)
    for chunk in _chunks(phones, 500):
        for g in db.session.scalars(
            sa.select(Guardian).where(Guardian.phone.in_(chunk)).order_by(Guardian.id)
        ):
            by_phone.setdefault(g.phone or "", by_email.get(g.email or "") or known(g))
    student_ids = [i["student_id"] for i in items]
    links: set[tuple[int, int]] = set()
    for chunk in _chunks(student_ids, 500):
        links |= {
            (guardian_id, student_id)
            for guardian_id, student_id in db.session.execute(
                sa.select(GuardianStudent.guardian_id, GuardianStudent.student_id).where(
                    GuardianStudent.student_id.in_(chunk)
                )
            )
        }
    new: list[_Parent] = []
    wanted: list[tuple[_Parent, dict[str, Any], dict[str, Any]]] = []
    for item in items:
        for p in item["parents"]:
            parent = (by_email.get(p["email"]) if p["email"] else None) or (
                by_phone.get(p["phone"]) if p["phone"] else None
            )
            if parent is None:
                parent = _Parent(None, p["name"], p["email"], p["phone"])
                new.append(parent)
            else:  # fill what the existing account lacks, never overwrite
                if p["email"] and not parent.email and p["email"] not in by_email:
                    parent.email = p["email"]
                    if parent.row is not None:
                        parent.row.email = p["email"]
                if p["phone"] and not parent.phone:
                    parent.phone = p["phone"]
                    if parent.row is not None:
                        parent.row.phone = p["phone"]
                if p["name"] and not parent.full_name:
                    parent.full_name = p["name"]
                    if parent.row is not None:
                        parent.row.full_name = p["name"]
            if p["email"]:
                by_email[p["email"]] = parent
            if p["phone"]:
                by_phone.setdefault(p["phone"], parent)
            wanted.append((parent, item, p))
    db.session.flush()
    if new:
        db.session.execute(
            Guardian.__table__.insert(),
            [{"full_name": g.full_name, "email": g.email, "phone": g.phone} for g in new],
        )
        ids_by_email: dict[str, int] = {}
        ids_by_phone: dict[str, int] = {}
        new_emails = sorted({g.email for g in new if g.email})
        new_phones = sorted({g.phone for g in new if g.phone and not g.email})
        for chunk in _chunks(new_emails, 500):
            ids_by_email.update(
                {
                    e: i
                    for i, e in db.session.execute(
                        sa.select(Guardian.id, Guardian.email).where(Guardian.email.in_(chunk))
                    )
                }  # fmt: skip
            )
        for chunk in _chunks(new_phones, 500):
            for i, phone in db.session.execute(
                sa.select(Guardian.id, Guardian.phone)
                .where(Guardian.phone.in_(chunk), Guardian.email.is_(None))
                .order_by(Guardian.id.desc())
            ):
                ids_by_phone[phone] = i  # the newest: the one just inserted
        for g in new:
            g.id = ids_by_email[g.email] if g.email else ids_by_phone[g.phone or ""]
    school_name = db.session.scalar(sa.select(School.name).where(School.id == school_id)) or ""
    codes: dict[int, str] = {}
    if invite:
        for chunk in _chunks(student_ids, 500):
            codes.update(
                dict(
                    db.session.execute(
                        sa.select(Student.id, Student.student_code).where(Student.id.in_(chunk))
                    ).all()
                )  # fmt: skip
            )
    link_rows: list[dict[str, Any]] = []
    invites: list[dict[str, Any]] = []
    for parent, item, p in wanted:
        assert parent.id is not None
        key = (parent.id, item["student_id"])
        if key in links:
            continue
        links.add(key)
        link_rows.append(
            {
                "guardian_id": parent.id,
                "student_id": item["student_id"],
                "school_id": school_id,
                "relation": p["relation"],
            }  # fmt: skip
        )
        if invite and not parent.has_password:
            invites.append(
                _invite_row(school_id, school_name, parent, item, codes.get(item["student_id"], ""))
            )
    for chunk in _chunks(link_rows, 1000):
        db.session.execute(GuardianStudent.__table__.insert(), list(chunk))
    if invites:
        db.session.execute(NotificationOutbox.__table__.insert(), invites)
    return len(new), len(link_rows), len(invites)


def _invite_row(
    school_id: int, school_name: str, guardian: _Parent, item: dict[str, Any], code: str
) -> dict[str, Any]:
    """An ACCOUNT message inviting a listed parent to register (e-mail if known, else SMS),
    rendered by the notifications catalogue (``notify.messages``) like every account message."""
    from notify import messages

    channel = Channel.EMAIL if guardian.email else Channel.SMS
    first = item["first_name"]
    if channel == Channel.EMAIL:
        text = (
            f"{school_name} вече използва Бележник: оценки, отсъствия и съобщения за {first} "
            f"по телефона и в интернет.\nРегистрирайте се в портала за родители с ИД кода на "
            f"ученика: {code}"
        )
    else:
        text = f"ИД код за {first} в Бележник: {code}. Регистрирайте се в портала или по телефона."
    payload = {"text": text, "subject": "покана за родители", "kind": "invite",
               "school": school_name, "student_first_name": first, "student_code": code}  # fmt: skip
    rendered = messages.render(NotifyEvent.ACCOUNT, channel.value, payload, latin=True)
    return dict(
        school_id=school_id,
        guardian_id=guardian.id,
        student_id=item["student_id"],
        channel=channel,
        event_type=NotifyEvent.ACCOUNT,
        object_type="invite",
        object_id=item["student_id"],
        to_address=guardian.email or guardian.phone or "",
        payload=payload,
        subject=rendered.subject,
        body=rendered.body,
        segments=rendered.segments,
        urgent=True,
        status="pending",
        due_at=clock.utc_naive(),
    )


def leaver_candidates(
    school_id: int, filename: str, data: bytes, parsed: Parsed | None = None
) -> list[Leaver]:
    """Students of the listed classes who are missing from the file (nothing changes)."""
    try:
        return validate_students(
            _table("students", filename, data, parsed), load_student_context(school_id)
        ).leavers
    except ImportFileError:
        return []


def confirm_leavers(
    school_id: int,
    student_ids: Iterable[int],
    on_date: dt.date,
    reason: str = "",
    actor_id: int | None = None,
) -> int:
    """Close the current-year enrollments of the given students of this school (the admin
    confirmed they left); returns how many. Other schools' students are ignored."""
    year = _current_year(school_id)
    ids = list({int(i) for i in student_ids})
    if not ids:
        return 0
    rows = list(
        db.session.scalars(
            sa.select(Enrollment)
            .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
            .where(
                Enrollment.school_id == school_id,
                Enrollment.student_id.in_(ids),
                Enrollment.left_on.is_(None),
                SchoolClass.school_year_id == year.id,
            )
        )
    )
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


# --- classes --------------------------------------------------------------------------------------
def _teacher_emails(school_id: int) -> dict[str, int]:
    return {
        email.lower(): staff_id
        for staff_id, email in db.session.execute(
            sa.select(StaffUser.id, StaffUser.email)
            .join(StaffMembership, StaffMembership.staff_id == StaffUser.id)
            .where(StaffMembership.school_id == school_id)
        )
    }


def validate_classes(table: Table, school_id: int) -> Plan:
    plan = Plan.of_table("classes", table)
    h = {c.key: table.headers.get(c.key, c.header) for c in CLASS_COLUMNS}
    year = _current_year(school_id)
    existing = _classes_by_name(school_id, year.id)
    teachers = _teacher_emails(school_id)
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
        teacher_id = None
        if v.get("class_teacher_email"):
            teacher_id = teachers.get(v["class_teacher_email"].strip().lower())
            if teacher_id is None:
                plan.add(row, h["class_teacher_email"], "няма такъв учител в училището")
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
    year = _current_year(school_id)
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


# --- teachers -------------------------------------------------------------------------------------
ROLES_BG = {"учител": StaffRole.TEACHER, "": StaffRole.TEACHER, "администратор": StaffRole.ADMIN,
            "директор": StaffRole.ADMIN, "заместник-директор": StaffRole.ADMIN,
            "заместник директор": StaffRole.ADMIN, "секретар": StaffRole.ADMIN}  # fmt: skip


def _unusable_password() -> str:
    """A hash of a random secret nobody knows: the account needs a set-password link first.
    (Cheap iterations are fine: the secret has 192 random bits.)"""
    return generate_password_hash(secrets.token_urlsafe(24), method="pbkdf2:sha256:1000")


def validate_teachers(table: Table, school_id: int) -> Plan:
    plan = Plan.of_table("teachers", table)
    h = {c.key: table.headers.get(c.key, c.header) for c in TEACHER_COLUMNS}
    seen: dict[str, int] = {}
    members = {
        (m.staff.email.lower(), m.role): m
        for m in db.session.scalars(
            sa.select(StaffMembership).where(StaffMembership.school_id == school_id)
        )
    }
    for row, v in table.rows:
        before = len(plan.errors)
        name = re.sub(r"\s+", " ", v.get("full_name", "")).strip()
        if not name:
            plan.add(row, h["full_name"], "задължително поле")
        email = ""
        try:
            email = normalize_email(v.get("email", ""))
            if email in seen:
                plan.add(row, h["email"], f"e-mail адресът се повтаря (ред {seen[email]})")
            seen[email] = row
        except ValueError as exc:
            plan.add(row, h["email"], str(exc))
        phone = None
        if v.get("phone"):
            try:
                phone = normalize_phone(v["phone"])
            except ValueError as exc:
                plan.add(row, h["phone"], str(exc))
        role = ROLES_BG.get(v.get("role", "").strip().casefold())
        if role is None:
            plan.add(row, h["role"], "ролята трябва да е „учител“ или „администратор“")
        if len(plan.errors) > before:
            continue
        action = "same" if (email, role) in members else "new"
        plan.items.append({"row": row, "action": action, "full_name": name, "email": email,
                           "phone": phone, "position": v.get("position", "")[:100],
                           "role": role})  # fmt: skip
    plan.errors.sort()
    return plan


def commit_teachers(
    school_id: int, plan: Plan, invite: bool = False, actor_id: int | None = None, **_: Any
) -> dict[str, int]:
    """Accounts by e-mail and memberships in the school. An address without an account gets a
    new account and the membership (with ``invite``, an e-mail with a set-password link, see
    ``signup.issue_welcome``); an address that already has an account (of another school, or
    not yet in this one) is never attached silently: its owner gets an invitation
    (``gradebook.staff_accounts.invite``) and joins only by accepting it. The counts do not tell
    the two apart ("invited" counts both kinds of e-mail)."""
    from gradebook import staff_accounts

    emails = [i["email"] for i in plan.items]
    users = {
        u.email.lower(): u
        for u in db.session.scalars(
            sa.select(StaffUser).where(sa.func.lower(StaffUser.email).in_(emails))
        )
    }
    created: dict[str, StaffUser] = {}
    invited = 0
    for item in plan.items:
        if item["action"] != "new":
            continue
        user = users.get(item["email"]) or created.get(item["email"])
        if user is None:
            user = StaffUser(email=item["email"], full_name=item["full_name"],
                             password_hash=_unusable_password(),
                             phone=item["phone"], must_change_password=True)  # fmt: skip
            db.session.add(user)
            created[item["email"]] = user
            db.session.flush()
        if item["email"] in created:
            db.session.add(StaffMembership(staff_id=user.id, school_id=school_id,
                                           role=item["role"], position=item["position"]))  # fmt: skip
            continue
        invitation = staff_accounts.invite(school_id, user, item["role"], item["position"],
                                           actor_id)  # fmt: skip
        staff_accounts.log(school_id, actor_id, "staff_invite", invitation,
                           after={"staff_id": user.id, "email": user.email,
                                  "role": item["role"].value, "import": True})  # fmt: skip
        invited += 1
    if invite:
        from onboarding.signup import issue_welcome

        school_name = db.session.scalar(sa.select(School.name).where(School.id == school_id)) or ""
        members_here = set(
            db.session.scalars(
                sa.select(StaffMembership.staff_id).where(StaffMembership.school_id == school_id)
            )
        )
        for user in {id(u): u for u in [*users.values(), *created.values()]}.values():
            if user.id in members_here and user.last_login_at is None and user.must_change_password:
                issue_welcome(user, school_id, subject="вашият профил",
                              intro=f"{school_name} ви създаде профил в Бележник.",
                              object_type="staff", object_id=user.id)  # fmt: skip
                invited += 1
    db.session.commit()
    return {"new": plan.count("new"), "unchanged": plan.count("same"), "invited": invited}


# --- subjects and curriculum --------------------------------------------------------------------------
def validate_subjects(table: Table, school_id: int) -> Plan:
    plan = Plan.of_table("subjects", table)
    h = {c.key: table.headers.get(c.key, c.header) for c in SUBJECT_COLUMNS}
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
    h = {c.key: table.headers.get(c.key, c.header) for c in CURRICULUM_COLUMNS}
    year = _current_year(school_id)
    classes = _classes_by_name(school_id, year.id)
    subjects = {
        s.name.casefold(): s
        for s in db.session.scalars(sa.select(Subject).where(Subject.school_id == school_id))
    }
    teachers = _teacher_emails(school_id)
    existing = {
        (c.class_id, c.subject_id, c.section, c.group_name): c
        for c in db.session.scalars(sa.select(Curriculum).where(Curriculum.school_id == school_id))
    }
    seen: dict[tuple[str, str, str, str], int] = {}
    for row, v in table.rows:
        before = len(plan.errors)
        klass = classes.get(normalize_class_name(v.get("class_name", "")))
        if klass is None:
            plan.add(
                row,
                h["class_name"],
                f"няма паралелка „{v.get('class_name', '')}“ в текущата година",
            )
        subject_name = re.sub(r"\s+", " ", v.get("subject", "")).strip()
        if not subject_name or len(subject_name) > 100:
            plan.add(row, h["subject"], "задължително поле, до 100 знака")
        teacher_id = None
        if v.get("teacher_email"):
            teacher_id = teachers.get(v["teacher_email"].strip().lower())
            if teacher_id is None:
                plan.add(row, h["teacher_email"], "няма такъв учител в училището")
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


# --- timetable ---------------------------------------------------------------------------------------
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
    h = {c.key: table.headers.get(c.key, c.header) for c in TIMETABLE_COLUMNS}
    year = _current_year(school_id)
    classes = _classes_by_name(school_id, year.id)
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
        klass = classes.get(normalize_class_name(v.get("class_name", "")))
        if klass is None:
            plan.add(
                row,
                h["class_name"],
                f"няма паралелка „{v.get('class_name', '')}“ в текущата година",
            )
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
    for chunk in _chunks(class_ids, 500):
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


# --- registry and entry points ----------------------------------------------------------------------
@dataclass(frozen=True)
class ImportKind:
    key: str
    title: str
    columns: list[Column]
    validate: Callable[[Table, int], Plan]
    commit: Callable[..., dict[str, int]]
    order: int


def _validate_students(table: Table, school_id: int) -> Plan:
    return validate_students(table, load_student_context(school_id))


KINDS: dict[str, ImportKind] = {
    k.key: k
    for k in (
        ImportKind("teachers", "Учители и служители", TEACHER_COLUMNS, validate_teachers, commit_teachers, 1),
        ImportKind("classes", "Паралелки", CLASS_COLUMNS, validate_classes, commit_classes, 2),
        ImportKind("subjects", "Предмети", SUBJECT_COLUMNS, validate_subjects, commit_subjects, 3),
        ImportKind("curriculum", "Учебен план", CURRICULUM_COLUMNS, validate_curriculum, commit_curriculum, 4),
        ImportKind("students", "Ученици", STUDENT_COLUMNS, _validate_students, commit_students, 5),
        ImportKind("timetable", "Седмично разписание", TIMETABLE_COLUMNS, validate_timetable, commit_timetable, 6),
    )
}  # fmt: skip


def preview(
    kind: str, school_id: int, filename: str, data: bytes, parsed: Parsed | None = None
) -> Plan:
    """Read (unless ``parsed`` is given) and validate a file; nothing is written."""
    spec = KINDS[kind]
    try:
        table = _table(kind, filename, data, parsed)
        plan = spec.validate(table, school_id)
    except ImportFileError as exc:
        return _file_error_plan(kind, exc)
    # a formula cell is reported once, as a formula, not again as a bad value
    formula_cells = {(e.row, e.column) for e in table.cell_errors}
    if formula_cells:
        plan.errors = [
            e
            for e in plan.errors
            if e in table.cell_errors or (e.row, e.column) not in formula_cells
        ]
    return plan


def commit(
    kind: str,
    school_id: int,
    filename: str,
    data: bytes,
    actor_id: int | None = None,
    invite: bool = False,
    progress: Progress | None = None,
    parsed: Parsed | None = None,
) -> tuple[Plan, dict[str, int] | None]:
    """Validate again and, when the file has no errors, write it all in one transaction."""
    plan = preview(kind, school_id, filename, data, parsed)
    if not plan.ok:
        return plan, None
    spec = KINDS[kind]
    try:
        if kind == "students":
            counts = commit_students(
                school_id, plan, actor_id=actor_id, invite=invite, progress=progress
            )
        else:
            counts = spec.commit(school_id, plan, invite=invite, actor_id=actor_id)
            db.session.add(
                AuditLog(school_id=school_id, actor_type="staff" if actor_id else "system",
                         actor_id=actor_id, action="import", object_type=f"{kind}_list"[:20],
                         after=counts, reason=f"импорт: {spec.title.lower()}, {plan.rows} реда")
            )  # fmt: skip
            db.session.commit()
    except sa.exc.IntegrityError as exc:
        # another import (or an edit) wrote the same rows meanwhile: nothing of ours is saved
        db.session.rollback()
        log.warning("import of %s for school %s lost a race: %s", kind, school_id, exc.orig)
        plan.add(0, "", "Данните се промениха по време на записа (друг импорт?). Нищо не е "
                        "записано: заредете прегледа отново.")  # fmt: skip
        return plan, None
    except Exception:
        db.session.rollback()
        raise
    return plan, counts


def group_errors(errors: Sequence[RowError]) -> dict[int, list[RowError]]:
    grouped: dict[int, list[RowError]] = defaultdict(list)
    for error in errors:
        grouped[error.row].append(error)
    return dict(grouped)
