"""The demo's material: Bulgarian names, the teachers, the curricula per grade band, the bells,
the texts of remarks, praises and health notes, the school-year calendar (start, terms,
vacations, ends of classes) and valid ЕГН."""

from __future__ import annotations

import datetime as dt
import random

from gradebook import rules

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
    # hired only when a school's lessons need them (uchitel41 on: a full school's load)
    ("Борислава", "Пенева", "F"),
    ("Тихомир", "Ганев", "M"),
    ("Ваня", "Русева", "F"),
    ("Деян", "Костадинов", "M"),
    ("Милка", "Йотова", "F"),
    ("Живко", "Стоилов", "M"),
    ("Радка", "Вълчева", "F"),
    ("Кремена", "Игнатова", "F"),
    ("Ясен", "Добрев", "M"),
    ("Теменужка", "Симеонова", "F"),
    ("Любен", "Петков", "M"),
    ("Силвия", "Ненова", "F"),
    ("Павлина", "Терзиева", "F"),
    ("Огнемир", "Атанасов", "M"),
    ("Весела", "Пашова", "F"),
    ("Калин", "Заимов", "M"),
    ("Донка", "Ралева", "F"),
    ("Ивета", "Ангелова", "F"),
    ("Стоян", "Сираков", "M"),
    ("Румяна", "Гечева", "F"),
)
# The first 40 of them are every school's staff; the rest are hired as the load needs.
TEACHERS_ALWAYS = 40

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


def _periods(spans: str) -> list[tuple[dt.time, dt.time]]:
    """A shift's bells, one "start-end" span per period: "7:30-8:10 8:20-9:00 …"."""
    out = []
    for span in spans.split():
        start, end = (dt.datetime.strptime(t, "%H:%M").time() for t in span.split("-"))
        out.append((start, end))
    return out


BELLS = {
    1: _periods("7:30-8:10 8:20-9:00 9:20-10:00 10:10-10:50 11:00-11:40 11:50-12:30 12:40-13:20"),
    2: _periods(
        "13:30-14:05 14:15-14:50 15:10-15:45 15:55-16:30 16:40-17:15 17:25-18:00 18:10-18:45"
    ),
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


def school_days_between(start: dt.date, end: dt.date, holidays: set[dt.date]) -> list[dt.date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5 and day not in holidays:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def vacations(first: int) -> list[tuple[dt.date, dt.date, str]]:
    return [
        (dt.date(first, 11, 1), dt.date(first, 11, 2), "Есенна ваканция"),
        (dt.date(first, 12, 22), dt.date(first + 1, 1, 2), "Коледна ваканция"),
        (dt.date(first + 1, 1, 30), dt.date(first + 1, 2, 2), "Междусрочна ваканция"),
        (dt.date(first + 1, 3, 3), dt.date(first + 1, 3, 3), "Национален празник"),
        (dt.date(first + 1, 4, 4), dt.date(first + 1, 4, 12), "Пролетна ваканция"),
        (dt.date(first + 1, 5, 1), dt.date(first + 1, 5, 6), "Празници"),
        (dt.date(first + 1, 5, 24), dt.date(first + 1, 5, 24), "24 май"),
    ]


def curriculum_for(level: int) -> list[tuple[str, float]]:
    if level <= 4:
        return [(name, float(h)) for name, h in PRIMARY[max(level, 1)]]
    if level <= 6:
        return MIDDLE
    if level == 7:
        return MIDDLE_7
    if level <= 10:
        return HIGH
    return UPPER


# (first grade, last grade, month, day) of the end of classes in the second calendar year.
CLASSES_END = ((12, 12, 5, 15), (1, 3, 5, 29), (4, 6, 6, 12), (7, 11, 6, 30))


def classes_end(first: int, level: int) -> dt.date:
    for lo, hi, month, day in CLASSES_END:
        if lo <= level <= hi:
            return dt.date(first + 1, month, day)
    return dt.date(first + 1, 6, 30)
