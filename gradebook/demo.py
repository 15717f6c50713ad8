"""A realistic, deterministic demo school (or N of them) for trying and benchmarking Belezhnik.

``build_demo(seed, schools, today)`` creates, per school: the current school year with its terms,
vacations and ends of classes; grades I–XII in two or three sections of about 25 pupils with
plausible Bulgarian names and valid ЕГН; teachers and a curriculum per grade band; bell times for
two shifts and a clash-free weekly timetable; a term of current grades with a realistic spread;
absences and lates on real lessons; remarks and praises; a few health notes; coming tests, events
and parent meetings; parent accounts. Rows go in with bulk inserts so that 100 schools stay fast.

Everything random comes from ``random.Random(seed)``: the same seed gives the same schools.
"""

from __future__ import annotations

import datetime as dt
import enum
import gc
import random
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from gradebook import rules
from models import Absence
from models import BellTime
from models import ClassesEnd
from models import Curriculum
from models import Enrollment
from models import Event
from models import Grade
from models import Guardian
from models import GuardianStudent
from models import HealthNote
from models import NonSchoolDay
from models import ParentMeeting
from models import Remark
from models import School
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffUser
from models import Student
from models import Subject
from models import TimetableSlot
from models import db
from security import hash_pin

DEMO_PASSWORD = "demo1234"
DEMO_PIN = "2580"
OPERATOR_EMAIL = "operator@belezhnik.local"

MALE_FIRST = (
    "Александър Георги Иван Димитър Николай Мартин Калоян Виктор Даниел Борис Стефан Петър "
    "Тодор Христо Васил Йордан Кристиан Симеон Теодор Радослав Емил Любомир Ангел Атанас "
    "Пламен Илиян Ивайло Добромир Павел Антон"
).split()
FEMALE_FIRST = (
    "Мария Виктория Николета Гергана Елена Александра Йоана Ивана Михаела Яна Радостина "
    "Теодора Деница Симона Габриела Анна Калина Елица Цветелина Десислава Петя Стефани "
    "Božena Весела Ралица Кристина Вяра Надежда Биляна Милена"
).split()
FEMALE_FIRST = [n if n != "Božena" else "Божена" for n in FEMALE_FIRST]
# Family names in the masculine form; the feminine adds "а" (Иванов → Иванова, Петровски → -ска).
FAMILY = (
    "Иванов Георгиев Димитров Петров Николов Христов Стоянов Тодоров Илиев Василев Атанасов "
    "Петков Ангелов Колев Йорданов Маринов Попов Стефанов Михайлов Кирилов Янков Русев Костов "
    "Спасов Лазаров Гочев Цветков Добрев Станчев Павлов Каменов Борисов Данаилов Начев Радев "
    "Панайотов Младенов Желязков Енчев Калчев"
).split()
FATHER_NAMES = [n for n in MALE_FIRST if n[-1] not in "ьй"]

TEACHER_POOL = (
    ("Росица", "Петрова", "F"),
    ("Снежана", "Илиева", "F"),
    ("Валентин", "Господинов", "M"),
    ("Мариана", "Стоянова", "F"),
    ("Галина", "Христова", "F"),
    ("Красимир", "Владимиров", "M"),
    ("Диана", "Асенова", "F"),
    ("Светла", "Миткова", "F"),
    ("Огнян", "Кънчев", "M"),
    ("Таня", "Павлова", "F"),
    ("Веселин", "Марков", "M"),
    ("Емилия", "Захариева", "F"),
    ("Боряна", "Иванова", "F"),
    ("Нели", "Кирова", "F"),
    ("Цветомир", "Бонев", "M"),
    ("Лилия", "Денева", "F"),
    ("Стела", "Дамянова", "F"),
    ("Филип", "Цонев", "M"),
    ("Антония", "Велева", "F"),
    ("Янка", "Първанова", "F"),
    ("Методи", "Любенов", "M"),
    ("Зорница", "Радева", "F"),
    ("Катя", "Станева", "F"),
    ("Пенка", "Илчева", "F"),
    ("Евгени", "Драганов", "M"),
    ("Невена", "Кръстева", "F"),
    ("Маргарита", "Бояджиева", "F"),
    ("Ирина", "Карова", "F"),
    ("Румен", "Тошев", "M"),
    ("Христина", "Славова", "F"),
    ("Мила", "Гьошева", "F"),
    ("Жанета", "Колева", "F"),
    ("Станислав", "Генов", "M"),
    ("Поля", "Банова", "F"),
    ("Даниела", "Чакърова", "F"),
    ("Андрей", "Мирчев", "M"),
    ("Величка", "Тонева", "F"),
    ("Соня", "Алексиева", "F"),
    ("Георги", "Шопов", "M"),
    ("Анелия", "Маринова", "F"),
)

# (subject, hours/week) per grade band; the values follow the ministry's framework curricula
# closely enough for a demo. Subjects a primary teacher teaches are marked with "*".
PRIMARY = {
    1: [
        ("Български език и литература*", 7),
        ("Математика*", 4),
        ("Околен свят*", 1),
        ("Музика", 2),
        ("Изобразително изкуство*", 2),
        ("Технологии и предприемачество*", 1),
        ("Физическо възпитание и спорт", 2),
    ],
    2: [
        ("Български език и литература*", 7),
        ("Математика*", 4),
        ("Английски език", 2),
        ("Околен свят*", 1),
        ("Музика", 2),
        ("Изобразително изкуство*", 2),
        ("Технологии и предприемачество*", 1),
        ("Физическо възпитание и спорт", 2),
    ],
    3: [
        ("Български език и литература*", 7),
        ("Математика*", 4),
        ("Английски език", 3),
        ("Човекът и природата*", 1),
        ("Човекът и обществото*", 1),
        ("Музика", 2),
        ("Изобразително изкуство*", 2),
        ("Технологии и предприемачество*", 1),
        ("Компютърно моделиране", 1),
        ("Физическо възпитание и спорт", 2),
    ],
    4: [
        ("Български език и литература*", 7),
        ("Математика*", 4),
        ("Английски език", 3),
        ("Човекът и природата*", 2),
        ("Човекът и обществото*", 2),
        ("Музика", 1),
        ("Изобразително изкуство*", 2),
        ("Технологии и предприемачество*", 1),
        ("Компютърно моделиране", 1),
        ("Физическо възпитание и спорт", 2),
    ],
}
MIDDLE = [
    ("Български език и литература", 5),
    ("Математика", 4),
    ("Английски език", 3),
    ("История и цивилизации", 2),
    ("География и икономика", 2),
    ("Човекът и природата", 3),
    ("Информационни технологии", 1),
    ("Музика", 1.5),
    ("Изобразително изкуство", 1.5),
    ("Технологии и предприемачество", 1),
    ("Физическо възпитание и спорт", 3),
]
MIDDLE_7 = [
    ("Български език и литература", 5),
    ("Математика", 4),
    ("Английски език", 3),
    ("История и цивилизации", 2),
    ("География и икономика", 2),
    ("Биология", 2),
    ("Физика", 2),
    ("Химия", 1.5),
    ("Информационни технологии", 1),
    ("Музика", 1),
    ("Изобразително изкуство", 1),
    ("Физическо възпитание и спорт", 3),
]
HIGH = [
    ("Български език и литература", 4),
    ("Математика", 4),
    ("Английски език", 4),
    ("Немски език", 2),
    ("История и цивилизации", 2),
    ("География и икономика", 2),
    ("Философия", 2),
    ("Биология", 2),
    ("Физика", 2),
    ("Химия", 2),
    ("Информационни технологии", 1),
    ("Физическо възпитание и спорт", 2),
]
UPPER = [
    ("Български език и литература", 3),
    ("Математика", 3),
    ("Английски език", 4),
    ("Немски език", 3),
    ("История и цивилизации", 2),
    ("Гражданско образование", 2),
    ("Информатика", 4),
    ("Физическо възпитание и спорт", 2),
]

BELLS = {
    1: [
        (dt.time(7, 30), dt.time(8, 10)),
        (dt.time(8, 20), dt.time(9, 0)),
        (dt.time(9, 20), dt.time(10, 0)),
        (dt.time(10, 10), dt.time(10, 50)),
        (dt.time(11, 0), dt.time(11, 40)),
        (dt.time(11, 50), dt.time(12, 30)),
        (dt.time(12, 40), dt.time(13, 20)),
    ],
    2: [
        (dt.time(13, 30), dt.time(14, 5)),
        (dt.time(14, 15), dt.time(14, 50)),
        (dt.time(15, 10), dt.time(15, 45)),
        (dt.time(15, 55), dt.time(16, 30)),
        (dt.time(16, 40), dt.time(17, 15)),
        (dt.time(17, 25), dt.time(18, 0)),
        (dt.time(18, 10), dt.time(18, 45)),
    ],
}

REMARKS = [
    "Не носи учебник и тетрадка.",
    "Разговаря по време на час.",
    "Не е написал домашната работа.",
    "Използва телефон в час.",
    "Закъснява за часа след голямото междучасие.",
]
PRAISES = [
    "Отлично представяне на олимпиадата по математика.",
    "Активно участие в часа.",
    "Помогна на съученик с урока.",
    "Отличен проект за седмицата на книгата.",
    "Първо място в училищното състезание по четене.",
]
HEALTH = [
    "Освободен от физическо възпитание до края на срока по медицинска бележка.",
    "По препоръка на родителя: да седи на първия чин.",
    "Да не се излага на продължително слънце в междучасията.",
]


def school_year_bounds(today: dt.date) -> tuple[int, dt.date, dt.date, dt.date]:
    """The school year ``today`` belongs to: (first calendar year, start, term 2, end).

    Starts 15 September (the next weekday when it falls on a weekend); term 2 on the first
    weekday of February; classes end by 30 June. The real dates come from the yearly ministerial
    order and are edited per school; these are the demo's defaults.
    """
    first = today.year if today.month >= 8 else today.year - 1
    start = dt.date(first, 9, 15)
    while start.weekday() >= 5:
        start += dt.timedelta(days=1)
    term2 = dt.date(first + 1, 2, 3)
    while term2.weekday() >= 5:
        term2 += dt.timedelta(days=1)
    return first, start, term2, dt.date(first + 1, 6, 30)


def make_egn(rng: random.Random, birth: dt.date, female: bool) -> str:
    """A valid ЕГН for a birth date and sex (the check digit found by the rules' validator)."""
    month = birth.month + (40 if birth.year >= 2000 else 20 if birth.year < 1900 else 0)
    region = rng.randrange(0, 100)
    sex_digit = rng.randrange(1, 10, 2) if female else rng.randrange(0, 10, 2)
    body = f"{birth.year % 100:02d}{month:02d}{birth.day:02d}{region:02d}{sex_digit}"
    for check in "0123456789":
        if rules.is_valid_egn(body + check):
            return body + check
    raise AssertionError("no check digit fits")  # unreachable: one always does


def feminine(family: str) -> str:
    """Иванов → Иванова (every family name in the demo lists ends in -ов/-ев)."""
    return family + "а"


@dataclass
class DemoResult:
    schools: list[int] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # role, e-mail, password
    phone_parents: list[dict[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Ids:
    """Primary keys handed out by the loader itself, so bulk inserts need no round trips."""

    next: dict[str, int] = field(default_factory=dict)
    codes: set[str] = field(default_factory=set)  # student codes in use

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def _school_days(start: dt.date, end: dt.date, holidays: set[dt.date]) -> list[dt.date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5 and day not in holidays:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _vacations(first: int) -> list[tuple[dt.date, dt.date, str]]:
    return [
        (dt.date(first, 11, 1), dt.date(first, 11, 2), "Есенна ваканция"),
        (dt.date(first, 12, 22), dt.date(first + 1, 1, 2), "Коледна ваканция"),
        (dt.date(first + 1, 1, 30), dt.date(first + 1, 2, 2), "Междусрочна ваканция"),
        (dt.date(first + 1, 3, 3), dt.date(first + 1, 3, 3), "Национален празник"),
        (dt.date(first + 1, 4, 4), dt.date(first + 1, 4, 12), "Пролетна ваканция"),
        (dt.date(first + 1, 5, 1), dt.date(first + 1, 5, 6), "Празници"),
        (dt.date(first + 1, 5, 24), dt.date(first + 1, 5, 24), "24 май"),
    ]


def _curriculum_for(level: int) -> list[tuple[str, float]]:
    if level <= 4:
        return [(name, float(h)) for name, h in PRIMARY[max(level, 1)]]
    if level <= 6:
        return MIDDLE
    if level == 7:
        return MIDDLE_7
    if level <= 10:
        return HIGH
    return UPPER


def build_demo(
    seed: int = 1,
    schools: int = 1,
    today: dt.date | None = None,
    students_per_class: int = 25,
    levels: tuple[int, ...] = tuple(range(1, 13)),
    progress: Callable[[Iterator[int], int, str], Iterator[int]] | None = None,
    history_years: int = 0,
    bulk: bool | None = None,
) -> DemoResult:
    """Create ``schools`` demo schools in the current database session and commit.

    ``history_years`` adds that many finished school years before the current one: the same
    pupils a grade lower (so the current first graders have none), every current grade of both
    terms, the term and annual grades, and absences; their enrolments have ended. The current
    year's data does not depend on it (the history draws from a random stream of its own), so a
    test can check that nothing of a past year leaks into the current year's figures.

    ``progress(iterable, length, label)`` may wrap the loops over schools (the CLI passes a
    progress bar). On PostgreSQL the big tables go in with COPY, everything else with multi-row
    inserts. Each school is committed with its summaries, except in ``bulk`` mode (by default on
    PostgreSQL from five schools on): the foreign keys and indexes of the grade and absence
    tables are dropped, every school is loaded, they are put back, the summaries are built, and
    all of it is one transaction (an interrupted load leaves nothing behind).
    """
    from config import TZ

    today = today or dt.datetime.now(TZ).date()
    rng = random.Random(seed)
    result = DemoResult()
    ids = _Ids()
    for model in _OWN_IDS:
        table = model.__table__
        current = db.session.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
        ids.next[table.name] = current + 1
    ids.codes.update(db.session.scalars(sa.select(Student.student_code)))
    password_hash = generate_password_hash(DEMO_PASSWORD)
    pin_hash = hash_pin(DEMO_PIN)

    if (
        db.session.execute(sa.select(StaffUser.id).where(StaffUser.email == OPERATOR_EMAIL)).first()
        is None
    ):
        db.session.execute(
            sa.insert(StaffUser),
            [
                dict(
                    id=ids.take("staff_user"),
                    email=OPERATOR_EMAIL,
                    full_name="Оператор на платформата",
                    password_hash=password_hash,
                    is_operator=True,
                )
            ],
        )
        result.logins.append(("оператор", OPERATOR_EMAIL, DEMO_PASSWORD))

    existing = db.session.execute(sa.select(sa.func.count(School.id))).scalar() or 0
    counter = iter(range(existing + 1, existing + schools + 1))
    loop = progress(counter, schools, "Училища") if progress else counter
    from gradebook import summary

    bulk = _bulk_mode(schools) if bulk is None else bulk
    collecting = gc.isenabled()
    gc.disable()  # millions of short-lived rows: the cyclic collector only slows the build down
    try:
        if bulk:
            _drop_for_bulk()
        for number in loop:
            history = random.Random(f"{seed}/{number}/history")
            _build_school(
                number,
                rng,
                history,
                ids,
                today,
                students_per_class,
                levels,
                history_years,
                password_hash,
                pin_hash,
                result,
            )
            _advance_sequences(ids)
            if not bulk:
                db.session.flush()
                summary.rebuild_school(result.schools[-1])
                db.session.commit()
            gc.collect()
        if bulk:
            # indexes and foreign keys back (each checked in one pass), then the summaries,
            # which read through those indexes; all of it one transaction with the rows
            _restore_after_bulk(progress)
            steps = iter(result.schools)
            for school_id in (
                progress(steps, len(result.schools), "Обобщения") if progress else steps
            ):
                summary.rebuild_school(school_id)
                gc.collect()
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if collecting:
            gc.enable()
    return result


# The big tables: on PostgreSQL, a bulk load drops their foreign keys and secondary indexes
# first and puts them back at the end (as pg_restore does). A foreign key checked row by row
# makes COPY several times slower than one check of the whole table at the end.
_BULK_TABLES = (Grade, Absence)
_BULK_FROM_SCHOOLS = 5


def _bulk_mode(schools: int) -> bool:
    """Bulk mode for loads of several schools into PostgreSQL."""
    return schools >= _BULK_FROM_SCHOOLS and db.session.get_bind().dialect.name == "postgresql"


# ``isolate_from_table=False`` (below): by default SQLAlchemy marks a constraint passed to
# AddConstraint as "not part of CREATE TABLE" for good, so a later ``create_all`` in the same
# process would make tables without those foreign keys.
def _drop_for_bulk() -> None:
    for model in _BULK_TABLES:
        table = model.__table__  # type: ignore[attr-defined]
        for fk in table.foreign_key_constraints:
            db.session.execute(sa.schema.DropConstraint(fk))
        for index in table.indexes:
            db.session.execute(sa.schema.DropIndex(index))


def _restore_after_bulk(
    progress: Callable[[Iterator[int], int, str], Iterator[int]] | None,
) -> None:
    """Indexes, then foreign keys (each checked in one pass over the table), then statistics."""
    steps: list[Any] = []
    for model in _BULK_TABLES:
        table = model.__table__  # type: ignore[attr-defined]
        steps += [sa.schema.CreateIndex(index) for index in table.indexes]
        steps += [
            sa.schema.AddConstraint(fk, isolate_from_table=False)
            for fk in table.foreign_key_constraints
        ]
    steps += [sa.text(f"ANALYZE {model.__tablename__}") for model in _ORDER]
    numbers = iter(range(len(steps)))
    for number in progress(numbers, len(steps), "Индекси") if progress else numbers:
        db.session.execute(steps[number])


# Tables whose ids the loader hands out itself (see _Ids).
_OWN_IDS = (
    School,
    SchoolYear,
    StaffUser,
    SchoolClass,
    Subject,
    Curriculum,
    Student,
    Guardian,
)


def _advance_sequences(ids: _Ids) -> None:
    """On PostgreSQL, move each id sequence past the ids the loader wrote itself, so that rows
    added later through the application get fresh ids."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in _OWN_IDS:
        table = model.__table__.name
        db.session.execute(
            sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v, false)"),
            {"t": table, "v": ids.next[table]},
        )


class _Rows:
    """The rows of one school, per model, in insertion order of the models.

    Most models collect dicts; grades, by far the most numerous, collect tuples in
    ``GRADE_COLUMNS`` order to keep memory and time down.
    """

    def __init__(self) -> None:
        self.dicts: dict[type, list[dict[str, Any]]] = {}
        self.grades: list[tuple[Any, ...]] = []

    def add(self, model: type, **values: Any) -> dict[str, Any]:
        self.dicts.setdefault(model, []).append(values)
        return values


GRADE_COLUMNS = (
    "school_id",
    "school_year_id",
    "student_id",
    "curriculum_id",
    "subject_id",
    "teacher_id",
    "term",
    "kind",
    "category",
    "value",
    "date",
    "comment",
    "created_at",
    "updated_at",
)

# Models in foreign-key order.
_ORDER = [
    School,
    SchoolYear,
    NonSchoolDay,
    ClassesEnd,
    StaffUser,
    StaffMembership,
    Subject,
    BellTime,
    SchoolClass,
    Curriculum,
    TimetableSlot,
    Student,
    Enrollment,
    Guardian,
    GuardianStudent,
    Grade,
    Absence,
    Remark,
    HealthNote,
    Event,
    ParentMeeting,
]


def _write(model: type, columns: tuple[str, ...], values: list[tuple[Any, ...]]) -> None:
    """Insert ``values`` (tuples in ``columns`` order) into ``model``'s table in the session's
    transaction: COPY on PostgreSQL, multi-row inserts elsewhere. Python-side column defaults
    (timestamps, version numbers) are filled in here, since COPY does not run them."""
    if not values:
        return
    table = model.__table__  # type: ignore[attr-defined]
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        for i in range(0, len(values), 5000):
            connection.execute(
                sa.insert(table),
                [dict(zip(columns, row, strict=True)) for row in values[i : i + 5000]],
            )
        return
    extra_columns: list[str] = []
    extra_values: list[Any] = []
    for column in table.columns:
        if column.key in columns or column.primary_key and column.key not in columns:
            continue
        default = column.default
        if default is None:
            continue
        if default.is_scalar:
            value = default.arg
        elif default.is_callable:
            value = default.arg(None)
        else:
            continue
        extra_columns.append(column.key)
        extra_values.append(value.value if isinstance(value, enum.Enum) else value)
    extra = tuple(extra_values)
    names = ", ".join(columns + tuple(extra_columns))
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row + extra)


def _write_dicts(model: type, batch: list[dict[str, Any]]) -> None:
    """Insert dict rows; rows of one shape go through :func:`_write`, mixed shapes per shape."""
    shapes: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for row in batch:
        key = tuple(row)
        shapes.setdefault(key, []).append(
            tuple(v.value if isinstance(v, enum.Enum) else v for v in row.values())
        )
    for columns, values in shapes.items():
        _write(model, columns, values)


def _build_school(
    number: int,
    rng: random.Random,
    history: random.Random,
    ids: _Ids,
    today: dt.date,
    per_class: int,
    levels: tuple[int, ...],
    history_years: int,
    password_hash: str,
    pin_hash: str,
    result: DemoResult,
) -> None:
    rows = _Rows()
    add = rows.add
    first_built = not result.schools  # sign-ins and phone parents are printed for the first only

    domain = f"sou{number}.demo.bg"
    towns = ["София", "Пловдив", "Варна", "Бургас", "Русе", "Стара Загора", "Плевен", "Враца"]
    town = towns[(number - 1) % len(towns)]
    school_id = ids.take("school")
    add(
        School,
        id=school_id,
        name=f"{number} СУ „Христо Ботев“",
        neispuo_code=f"{2200000 + number:07d}",
        town=town,
        address=f"ул. „Васил Левски“ {number}",
        info_phone="+35924001234",
        email=f"info@{domain}",
    )

    first, start, term2, end = school_year_bounds(today)
    year_id, holidays = _add_year(add, ids, school_id, today, current=True)

    # staff -----------------------------------------------------------------------------------
    admin_id = ids.take("staff_user")
    add(
        StaffUser,
        id=admin_id,
        email=f"direktor@{domain}",
        full_name="Илиана Стефанова",
        password_hash=password_hash,
    )
    add(StaffMembership, staff_id=admin_id, school_id=school_id, role="admin", position="директор")
    teachers: list[int] = []
    for i, (first_name, last_name, _sex) in enumerate(TEACHER_POOL, start=1):
        tid = ids.take("staff_user")
        teachers.append(tid)
        add(
            StaffUser,
            id=tid,
            email=f"uchitel{i}@{domain}",
            full_name=f"{first_name} {last_name}",
            password_hash=password_hash,
        )
        add(StaffMembership, staff_id=tid, school_id=school_id, role="teacher", position="учител")
    if first_built:
        result.logins += [
            ("директор", f"direktor@{domain}", DEMO_PASSWORD),
            ("учител", f"uchitel1@{domain}", DEMO_PASSWORD),
        ]
    staff = _Staff(teachers[:12], teachers[12:])

    # subjects ----------------------------------------------------------------------------------
    all_names = sorted({n.rstrip("*") for lv in levels for n, _ in _curriculum_for(lv)})
    for name in all_names:
        _subject(add, ids, school_id, staff, name)

    for shift, bells in BELLS.items():
        for period, (a, b) in enumerate(bells, start=1):
            add(BellTime, school_id=school_id, shift=shift, period=period, starts_at=a, ends_at=b)

    # classes, curriculum, timetable -----------------------------------------------------------
    sections = [(level, s) for level in levels for s in range(3 if 5 <= level <= 10 else 2)]
    year = _build_classes(rng, add, ids, school_id, year_id, sections, staff)
    classes = year.classes

    # students, parents -------------------------------------------------------------------------
    school_days = _school_days(start, min(today, end), holidays)
    taken_egns: set[str] = set()
    students_by_class: dict[int, list[tuple[int, float]]] = {}
    parent_serial = 0
    demo_parents: list[int] = []
    for cls in classes:
        level = cls["grade_level"]
        people = []
        for _ in range(per_class + rng.randrange(-2, 3)):
            female = rng.random() < 0.5
            first_name = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
            father = rng.choice(FATHER_NAMES)
            family = rng.choice(FAMILY)
            middle = (
                father + ("ова" if father[-1] not in "аеиоуя" else "ева")
                if female
                else (father + ("ов" if father[-1] not in "аеиоуя" else "ев"))
            )
            last = feminine(family) if female else family
            people.append((last, first_name, middle, female))
        people.sort()
        students_by_class[cls["id"]] = []
        for n, (last, first_name, middle, female) in enumerate(people, start=1):
            birth_year = start.year - 6 - level - (1 if rng.random() < 0.7 else 0)
            birth = dt.date(birth_year, rng.randrange(1, 13), rng.randrange(1, 29))
            if birth.year == start.year - 7 - level + 1 and birth.month > 9:
                birth = birth.replace(month=rng.randrange(1, 10))
            code = rules.new_student_code(rng)
            while code in ids.codes:  # unique across every school: parents type it on one line
                code = rules.new_student_code(rng)
            ids.codes.add(code)
            egn = make_egn(rng, birth, female)
            while egn in taken_egns:
                egn = make_egn(rng, birth, female)
            taken_egns.add(egn)
            sid = ids.take("student")
            add(
                Student,
                id=sid,
                school_id=school_id,
                first_name=first_name,
                middle_name=middle,
                last_name=last,
                personal_id_type="egn",
                personal_id=egn,
                birth_date=birth,
                gender="F" if female else "M",
                student_code=code,
                sop=rng.random() < 0.01,
            )
            add(
                Enrollment,
                school_id=school_id,
                student_id=sid,
                class_id=cls["id"],
                class_number=n,
                enrolled_on=start,
            )
            ability = min(6.0, max(2.6, rng.gauss(4.7, 0.8)))
            students_by_class[cls["id"]].append((sid, ability))
            # about one parent in three has an account: enough to exercise every path
            if rng.random() < 0.33 or n <= 2:
                parent_serial += 1
                gid = ids.take("guardian")
                mother = rng.random() < 0.6
                parent_first = rng.choice(FEMALE_FIRST if mother else MALE_FIRST)
                parent_family = (
                    feminine(last[:-1] if female else last)
                    if mother
                    else (last[:-1] if female else last)
                )
                phone = f"+35989{number * 10000 + parent_serial:07d}"
                add(
                    Guardian,
                    id=gid,
                    full_name=f"{parent_first} {parent_family}",
                    email=f"roditel{parent_serial}@{domain}",
                    phone=phone,
                    password_hash=password_hash,
                    pin_hash=pin_hash,
                    email_verified_at=dt.datetime(first, 9, 20),
                    phone_verified_at=dt.datetime(first, 9, 20),
                )
                add(
                    GuardianStudent,
                    guardian_id=gid,
                    student_id=sid,
                    school_id=school_id,
                    relation="mother" if mother else "father",
                )
                if parent_serial <= 2:
                    demo_parents.append(gid)
                if parent_serial <= 2 and first_built:
                    result.phone_parents.append(
                        {
                            "name": f"{parent_first} {parent_family}",
                            "email": f"roditel{parent_serial}@{domain}",
                            "phone": phone,
                            "code": code,
                            "pin": DEMO_PIN,
                            "child": f"{first_name} {last}, {cls['name']} клас",
                        }
                    )
    # the second demo parent has a second child, in another class: the phone asks which one
    if len(demo_parents) == 2 and len(classes) > 1:
        other_class = classes[len(classes) // 2]
        second_child = students_by_class[other_class["id"]][-1][0]
        add(
            GuardianStudent,
            guardian_id=demo_parents[1],
            student_id=second_child,
            school_id=school_id,
            relation="mother",
        )
        if first_built:
            result.phone_parents[1]["child"] += " и още едно дете"
    if first_built:
        for p in result.phone_parents:
            result.logins.append(("родител", p["email"], DEMO_PASSWORD))

    # grades, absences, remarks, events ---------------------------------------------------------
    for cls in classes:
        members = students_by_class[cls["id"]]
        _grades_and_absences(
            rng, rows, school_id, year_id, cls, year, members, school_days, term2, finals=False
        )
        for sid, ability in rng.sample(members, min(len(members), 4)):
            if not school_days:
                break
            praise = ability > 4.8 or rng.random() < 0.3
            add(
                Remark,
                school_id=school_id,
                school_year_id=year_id,
                student_id=sid,
                kind="praise" if praise else "remark",
                text=rng.choice(PRAISES if praise else REMARKS),
                date=rng.choice(school_days),
                subject_id=None,
                teacher_id=cls["class_teacher_id"],
            )
        if rng.random() < 0.5 and members:
            sid, _ = rng.choice(members)
            add(
                HealthNote,
                school_id=school_id,
                student_id=sid,
                date_from=start + dt.timedelta(days=14),
                date_to=None,
                text=rng.choice(HEALTH),
                author_id=cls["class_teacher_id"],
            )
        for k in range(2):
            cur = rng.choice(year.curricula[cls["id"]])
            day = today + dt.timedelta(days=3 + 4 * k + rng.randrange(0, 3))
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            subject_name = next(n for n, i in staff.subject_ids.items() if i == cur["subject_id"])
            kind = "test" if k == 0 else "classwork"
            add(
                Event,
                school_id=school_id,
                school_year_id=year_id,
                class_id=cls["id"],
                subject_id=cur["subject_id"],
                kind=kind,
                title=("Тест по " if kind == "test" else "Класна работа по ") + subject_name.lower()
                if subject_name.split()[0] not in ("Български", "Английски", "Немски")
                else ("Тест по " if kind == "test" else "Класна работа по ") + subject_name,
                date=day,
                time=None,
                author_id=cur["teacher_id"],
            )
        meeting_day = today + dt.timedelta(days=6 + cls["grade_level"] % 5)
        while meeting_day.weekday() >= 5:
            meeting_day += dt.timedelta(days=1)
        add(
            ParentMeeting,
            school_id=school_id,
            school_year_id=year_id,
            class_id=cls["id"],
            date=meeting_day,
            time=dt.time(18, 0),
            place=f"Стая {100 + cls['id'] % 40}",
            topic="Успех и дисциплина през първия срок",
            author_id=cls["class_teacher_id"],
        )
    add(
        Event,
        school_id=school_id,
        school_year_id=year_id,
        class_id=None,
        subject_id=None,
        kind="school_event",
        title="Коледен концерт",
        description="Актовата зала, 17:30 ч.",
        date=dt.date(first, 12, 18),
        time=dt.time(17, 30),
        author_id=admin_id,
    )

    # finished school years, most recent first ------------------------------------------------
    for back in range(1, history_years + 1):
        _build_past_year(history, rows, ids, school_id, staff, today, back, year, students_by_class)

    for model in _ORDER:
        if model is Grade:
            _write(Grade, GRADE_COLUMNS, rows.grades)
            count = len(rows.grades)
        else:
            batch = rows.dicts.get(model, [])
            _write_dicts(model, batch)
            count = len(batch)
        result.counts[model.__tablename__] = result.counts.get(model.__tablename__, 0) + count
    result.schools.append(school_id)


@dataclass
class _Staff:
    """A school's teachers and subjects: primary teachers, specialists, and per subject its id
    and the two specialists who teach it."""

    primary: list[int]
    specialists: list[int]
    subject_ids: dict[str, int] = field(default_factory=dict)
    specialist_of: dict[str, list[int]] = field(default_factory=dict)


def _subject(
    add: Callable[..., dict[str, Any]], ids: _Ids, school_id: int, staff: _Staff, name: str
) -> int:
    """The subject's id, created on first use with two specialists to teach it."""
    if name in staff.subject_ids:
        return staff.subject_ids[name]
    k = len(staff.subject_ids)
    sid = ids.take("subject")
    staff.subject_ids[name] = sid
    short = "".join(w[0] for w in name.split() if w[0].isupper() or len(w) > 3)[:6].upper()
    add(Subject, id=sid, school_id=school_id, name=name, short_name=short)
    pool = staff.specialists
    staff.specialist_of[name] = [pool[(k * 2) % len(pool)], pool[(k * 2 + 1) % len(pool)]]
    return sid


def _add_year(
    add: Callable[..., dict[str, Any]], ids: _Ids, school_id: int, day: dt.date, current: bool
) -> tuple[int, set[dt.date]]:
    """The school year ``day`` falls in, with its vacations and ends of classes; returns its id
    and the set of days off."""
    first, start, term2, end = school_year_bounds(day)
    year_id = ids.take("school_year")
    add(
        SchoolYear,
        id=year_id,
        school_id=school_id,
        name=f"{first}/{first + 1}",
        starts_on=start,
        term2_starts_on=term2,
        ends_on=end,
        is_current=current,
        month_lock_day=5,
        future_entry_lock=True,
    )
    holidays: set[dt.date] = set()
    for a, b, name in _vacations(first):
        add(NonSchoolDay, school_year_id=year_id, date_from=a, date_to=b, name=name)
        one = a
        while one <= b:
            holidays.add(one)
            one += dt.timedelta(days=1)
    for lo, hi, month, day_of_month in CLASSES_END:
        add(
            ClassesEnd,
            school_year_id=year_id,
            grade_from=lo,
            grade_to=hi,
            ends_on=dt.date(first + 1, month, day_of_month),
        )
    return year_id, holidays


# (first grade, last grade, month, day) of the end of classes in the second calendar year.
CLASSES_END = ((12, 12, 5, 15), (1, 3, 5, 29), (4, 6, 6, 12), (7, 11, 6, 30))


def _classes_end(first: int, level: int) -> dt.date:
    for lo, hi, month, day in CLASSES_END:
        if lo <= level <= hi:
            return dt.date(first + 1, month, day)
    return dt.date(first + 1, 6, 30)


@dataclass
class _YearClasses:
    """The classes of one school year with their curricula and timetable slots."""

    classes: list[dict[str, Any]] = field(default_factory=list)
    by_section: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    curricula: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    slots: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def _build_classes(
    rng: random.Random,
    add: Callable[..., dict[str, Any]],
    ids: _Ids,
    school_id: int,
    year_id: int,
    sections: list[tuple[int, int]],
    staff: _Staff,
) -> _YearClasses:
    """Classes (grade level, section number), each with a curriculum for its grade band and a
    weekly timetable that never puts a teacher in two rooms at once."""
    letters = "абвг"
    teacher_busy: set[tuple[int, int, int, int]] = set()  # (teacher, shift, weekday, period)
    year = _YearClasses()
    homeroom_pool = iter(staff.primary + staff.specialists)
    for level, s in sections:
        cid = ids.take("school_class")
        shift = 2 if level <= 4 else 1
        homeroom = (
            staff.primary[(level - 1) * 2 % 12 + s % 2] if level <= 4 else next(homeroom_pool, None)
        )
        cls = add(
            SchoolClass,
            id=cid,
            school_id=school_id,
            school_year_id=year_id,
            grade_level=level,
            name=f"{level}{letters[s]}",
            class_teacher_id=homeroom,
            shift=shift,
        )
        year.classes.append(cls)
        year.by_section[(level, s)] = cls
        lessons: list[tuple[dict[str, Any], int]] = []
        year.curricula[cid] = []
        for raw_name, hours in _curriculum_for(level):
            name = raw_name.rstrip("*")
            subject_id = _subject(add, ids, school_id, staff, name)
            if raw_name.endswith("*") and homeroom is not None:
                teacher = homeroom
            else:
                pool = staff.specialist_of[name]
                teacher = pool[(cid + s) % len(pool)]
            cur = add(
                Curriculum,
                id=ids.take("curriculum"),
                school_id=school_id,
                class_id=cid,
                subject_id=subject_id,
                teacher_id=teacher,
                section="A",
                hours_term1=Decimal(str(hours)),
                hours_term2=Decimal(str(hours)),
                group_name="",
            )
            year.curricula[cid].append(cur)
            lessons += [(cur, teacher)] * int(round(hours + 0.01))
        rng.shuffle(lessons)
        year.slots[cid] = []
        used: set[tuple[int, int]] = set()
        day_count = {d: 0 for d in range(1, 6)}
        for cur, teacher in lessons:
            placed = False
            for period in range(1, 8):
                for weekday in sorted(range(1, 6), key=lambda d: day_count[d]):
                    if (weekday, period) in used or (
                        teacher,
                        shift,
                        weekday,
                        period,
                    ) in teacher_busy:
                        continue
                    used.add((weekday, period))
                    day_count[weekday] += 1
                    teacher_busy.add((teacher, shift, weekday, period))
                    slot = add(
                        TimetableSlot,
                        school_id=school_id,
                        class_id=cid,
                        term=None,
                        weekday=weekday,
                        period=period,
                        curriculum_id=cur["id"],
                        subject_id=cur["subject_id"],
                        teacher_id=teacher,
                        room=str(100 + cid % 40),
                    )
                    year.slots[cid].append(slot)
                    placed = True
                    break
                if placed:
                    break
    return year


_KINDS = ["current"] * 6 + ["homework", "test", "control", "classwork", "project"]
_WRITTEN = frozenset({"test", "control", "classwork"})
_TWO = Decimal(2)
_WHOLE = {mark: Decimal(mark) for mark in range(2, 7)}
_CENT = Decimal("0.01")
_ONE = Decimal("1")
_NOON = dt.time(12, 0)


def _grades_and_absences(
    rng: random.Random,
    rows: _Rows,
    school_id: int,
    year_id: int,
    cls: dict[str, Any],
    year: _YearClasses,
    students: list[tuple[int, float]],
    school_days: list[dt.date],
    term2: dt.date,
    finals: bool,
) -> None:
    """One class's current grades over ``school_days`` and its absences and lates; with
    ``finals``, also each pupil's term grades and annual grade per subject (a finished year)."""
    level = cls["grade_level"]
    category = "qualitative" if level <= 3 else "quantitative"
    quantitative = category == "quantitative"
    days_by_weekday: dict[int, list[dt.date]] = {}
    for day in school_days:
        days_by_weekday.setdefault(day.isoweekday(), []).append(day)
    term1_last = max((d for d in school_days if d < term2), default=None)
    term2_last = school_days[-1] if school_days else None
    gauss, choice, randrange, sample = rng.gauss, rng.choice, rng.randrange, rng.sample
    # entered at noon UTC (14:00 or 15:00 in Sofia) of the day of the grade
    entered = {day: (dt.datetime.combine(day, _NOON),) * 2 for day in school_days}
    append = rows.grades.append
    slots = year.slots[cls["id"]]
    for cur in year.curricula[cls["id"]]:
        cur_days = sorted(
            {
                d
                for s in slots
                if s["curriculum_id"] == cur["id"]
                for d in days_by_weekday.get(s["weekday"], [])
            }
        )
        if not cur_days:
            continue
        hours = float(cur["hours_term1"])
        wanted = rules.min_grades_per_term(Decimal(str(hours))) + 1
        share = len(cur_days) / max(1, len(school_days))
        base = round(wanted * min(1.0, share * 1.2 + 0.3))
        if finals:  # over a whole term teachers give more than the minimum
            base = max(base, wanted) + 1
        terms = [d for d in cur_days if d < term2], [d for d in cur_days if d >= term2]
        key = (school_id, year_id)
        cur_key = (cur["id"], cur["subject_id"], cur["teacher_id"])
        for sid, ability in students:
            marks: list[list[float]] = [[], []]
            # a finished year has a full set of grades in each term; the current one, so far
            for term_days in terms if finals else (cur_days,):
                if not term_days:
                    continue
                count = max(0, base + randrange(-1, 2))
                for day in sorted(sample(term_days, min(count, len(term_days)))):
                    raw = gauss(ability, 0.7)
                    kind = choice(_KINDS)
                    if raw < 2.6:
                        value = _TWO
                    elif kind in _WRITTEN and quantitative:
                        value = Decimal(str(min(6.0, max(3.0, raw)))).quantize(_CENT)
                        value = ((value * 2).quantize(_ONE) / 2).quantize(_CENT)
                    else:
                        value = _WHOLE[min(6, max(3, int(raw + 0.5)))]
                    term = 1 if day < term2 else 2
                    if finals:
                        marks[term - 1].append(float(value))
                    append(
                        key
                        + (sid,)
                        + cur_key
                        + (term, kind, category, value, day, "")
                        + entered[day]
                    )
            if finals:
                set_grades = []
                for term, values, last in ((1, marks[0], term1_last), (2, marks[1], term2_last)):
                    if values and last is not None:
                        mark = rules.whole_mark(sum(values) / len(values))
                        set_grades.append(mark)
                        append(
                            key
                            + (sid,)
                            + cur_key
                            + (term, "term", category, _WHOLE[mark], last, "")
                            + entered[last]
                        )
                if set_grades and term2_last is not None:
                    annual = rules.whole_mark(sum(set_grades) / len(set_grades))
                    append(
                        key
                        + (sid,)
                        + cur_key
                        + (None, "annual", category, _WHOLE[annual], term2_last, "")
                        + entered[term2_last]
                    )

    # absences: a few sick days (excused, whole days) and scattered unexcused and lates
    slots_on: dict[int, list[dict[str, Any]]] = {}
    for s in slots:
        slots_on.setdefault(s["weekday"], []).append(s)
    taken: set[tuple[int, dt.date, int]] = set()
    for sid, ability in students:
        if not school_days:
            break
        events: list[tuple[dt.date, dict[str, Any], str]] = []
        if rng.random() < 0.45:
            sick_start = rng.randrange(len(school_days))
            for day in school_days[sick_start : sick_start + rng.randrange(1, 4)]:
                events += [(day, s, "excused") for s in slots_on.get(day.isoweekday(), [])]
        for _ in range(max(0, int(rng.expovariate(1 / (1.5 if ability > 4 else 4))))):
            day = rng.choice(school_days)
            lessons = slots_on.get(day.isoweekday(), [])
            if lessons:
                events.append((day, rng.choice(lessons), "unexcused"))
        for _ in range(rng.randrange(0, 3)):
            day = rng.choice(school_days)
            lessons = slots_on.get(day.isoweekday(), [])
            if lessons:
                events.append((day, min(lessons, key=lambda s: s["period"]), "late"))
        for day, slot, kind in events:
            absence_key = (sid, day, slot["period"])
            if absence_key in taken:
                continue
            taken.add(absence_key)
            rows.add(
                Absence,
                school_id=school_id,
                school_year_id=year_id,
                student_id=sid,
                date=day,
                period=slot["period"],
                term=1 if day < term2 else 2,
                subject_id=slot["subject_id"],
                curriculum_id=slot["curriculum_id"],
                kind=kind,
                excuse_reason=rng.choice(["health", "health", "family"])
                if kind == "excused"
                else None,
                excused_by_parent=kind == "excused" and rng.random() < 0.3,
                teacher_id=slot["teacher_id"],
            )


def _build_past_year(
    rng: random.Random,
    rows: _Rows,
    ids: _Ids,
    school_id: int,
    staff: _Staff,
    today: dt.date,
    back: int,
    current: _YearClasses,
    students_by_class: dict[int, list[tuple[int, float]]],
) -> None:
    """The school year ``back`` years before the current one, finished: each current class a
    grade lower with the same pupils (first graders were not at school yet), its curriculum and
    timetable, a whole year of current grades, term and annual grades, and absences. The pupils'
    enrolments in it ended with the year."""
    day = dt.date(today.year - back, today.month, min(today.day, 28))
    first, start, term2, end = school_year_bounds(day)
    year_id, holidays = _add_year(rows.add, ids, school_id, day, current=False)
    sections = [(level - back, s) for (level, s) in current.by_section if level - back >= 1]
    past = _build_classes(rng, rows.add, ids, school_id, year_id, sections, staff)
    for (level, s), cls in past.by_section.items():
        pupils = students_by_class[current.by_section[(level + back, s)]["id"]]
        last_day = _classes_end(first, level)
        for number, (sid, _ability) in enumerate(pupils, start=1):
            rows.add(
                Enrollment,
                school_id=school_id,
                student_id=sid,
                class_id=cls["id"],
                class_number=number,
                enrolled_on=start,
                left_on=last_day,
                left_reason=PAST_YEAR_LEFT_REASON,
            )
        # pupils were a little weaker or stronger a year ago
        then = [(sid, min(6.0, max(2.6, ability + rng.gauss(0, 0.2)))) for sid, ability in pupils]
        days = _school_days(start, last_day, holidays)
        _grades_and_absences(
            rng, rows, school_id, year_id, cls, past, then, days, term2, finals=True
        )


# Why a past year's enrolment ended, as the school-year change writes it.
PAST_YEAR_LEFT_REASON = "Завършена учебна година"
