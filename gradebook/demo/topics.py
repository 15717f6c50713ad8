"""The demo school's yearly topic plans and lesson topics.

Every curriculum row of the current year gets a plan (годишно тематично разпределение) of about
as many numbered topics as the subject has lessons in the year (weekly hours × 18 weeks of the
first term + × 16 of the second), built from a list of real topics of the subject for the grade
band: new material, exercises on it, a review after each unit, a test at the end of a term.
Every lesson held up to the demo's today (:func:`gradebook.topics.held_lessons`) gets a ``Lesson``
row and the plan's next topic. Rows go in with the loader's bulk inserts (COPY on PostgreSQL),
with ids handed out here."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook.demo.loader import write_rows
from gradebook.topics import held_lessons
from models import Curriculum
from models import Lesson
from models import LessonTopic
from models import PlanTopic
from models import SchoolClass
from models import SchoolYear
from models import Subject
from models import db

# the topics of a subject per grade band: (lowest grade, topics); the band of a class is the last
# whose lowest grade is not above the class's
TOPICS: dict[str, list[tuple[int, list[str]]]] = {
    "Математика": [
        (
            1,
            [
                "Числата от 0 до 10",
                "Събиране и изваждане до 10",
                "Числата до 20",
                "Събиране с преминаване до 20",
                "Изваждане с преминаване до 20",
                "Десетици",
                "Числата до 100",
                "Събиране и изваждане до 100",
                "Таблично умножение",
                "Таблично деление",
                "Мерни единици за дължина",
                "Мерни единици за време",
                "Геометрични фигури",
                "Обиколка на триъгълник",
                "Текстови задачи",
                "Числата до 1000",
                "Писмено събиране",
                "Писмено изваждане",
                "Умножение с двуцифрено число",
                "Деление с остатък",
                "Дроби: половина, четвърт",
                "Лице на правоъгълник",
            ],
        ),
        (
            5,
            [
                "Естествени числа",
                "Действия с естествени числа",
                "Делимост",
                "Прости и съставни числа",
                "Обикновени дроби",
                "Събиране и изваждане на дроби",
                "Умножение на дроби",
                "Деление на дроби",
                "Десетични дроби",
                "Действия с десетични дроби",
                "Проценти",
                "Цели числа",
                "Рационални числа",
                "Степен с естествен показател",
                "Уравнения от първа степен",
                "Текстови задачи с уравнения",
                "Ъгли",
                "Триъгълник",
                "Лице на триъгълник",
                "Окръжност и кръг",
                "Правоъгълен паралелепипед",
                "Цилиндър",
            ],
        ),
        (
            8,
            [
                "Квадратен корен",
                "Тъждествени изрази",
                "Формули за съкратено умножение",
                "Разлагане на многочлени",
                "Квадратно уравнение",
                "Формули на Виет",
                "Квадратна функция",
                "Системи уравнения",
                "Неравенства",
                "Подобни триъгълници",
                "Питагорова теорема",
                "Тригонометрични функции на остър ъгъл",
                "Синусова теорема",
                "Косинусова теорема",
                "Аритметична прогресия",
                "Геометрична прогресия",
                "Логаритъм",
                "Показателна функция",
                "Вероятност на събитие",
                "Статистика",
                "Вектори",
                "Лице на многоъгълник",
            ],
        ),
    ],
    "Български език и литература": [
        (
            1,
            [
                "Звук и буква",
                "Гласни и съгласни",
                "Сричка",
                "Думата",
                "Изречението",
                "Главна буква",
                "Текстът",
                "Приказка",
                "Стихотворение",
                "Гатанка",
                "Съществително име",
                "Прилагателно име",
                "Глагол",
                "Числително име",
                "Правопис на звучни и беззвучни съгласни",
                "Пряка реч",
                "Преразказ",
                "Описание на предмет",
                "„Хитър Петър“",
                "„Косе Босе“ – Ангел Каралийчев",
                "Писане на писмо",
                "Четене с разбиране",
            ],
        ),
        (
            5,
            [
                "Фонетика и правопис",
                "Части на речта",
                "Съществително име",
                "Местоимение",
                "Глагол: време и лице",
                "Наречие",
                "Просто изречение",
                "Сложно изречение",
                "Пряка и непряка реч",
                "„Под игото“ – Иван Вазов",
                "„Железният светилник“ – Димитър Талев",
                "„Бай Ганьо“ – Алеко Константинов",
                "Народната приказка",
                "Митът",
                "Легендата",
                "Художественото описание",
                "Преразказ на художествен текст",
                "Интерпретативно съчинение",
                "Пунктуация на сложното изречение",
                "Юнашки песни",
                "„До моето първо либе“ – Христо Ботев",
                "Правопис на пълен и кратък член",
            ],
        ),
        (
            8,
            [
                "Книжовна норма",
                "Лексикална норма",
                "Граматична норма",
                "Пунктуационна норма",
                "„Aпостола в премеждие“ – Иван Вазов",
                "„Неразделни“ – Пенчо Славейков",
                "„Потомка“ – Елисавета Багряна",
                "„Две души“ – Пейо Яворов",
                "„Тютюн“ – Димитър Димов",
                "„Борба“ – Христо Ботев",
                "„Септември“ – Гео Милев",
                "Аргументативен текст",
                "Есе",
                "Интерпретативно съчинение",
                "Литературата на Възраждането",
                "Символизмът",
                "Модернизмът",
                "Словесност и риторика",
                "Анализ на текст",
                "Пряка и непряка реч",
                "Синтаксис на сложното изречение",
                "Стилове на речта",
            ],
        ),
    ],
    "Английски език": [
        (
            1,
            [
                "Greetings",
                "My family",
                "Colours and numbers",
                "My school",
                "Animals",
                "Food",
                "My body",
                "Clothes",
                "The weather",
                "My house",
                "Toys",
                "Daily routine",
            ],
        ),
        (
            5,
            [
                "Present Simple",
                "Present Continuous",
                "Past Simple",
                "Irregular verbs",
                "Future with going to",
                "Comparatives and superlatives",
                "Countable and uncountable nouns",
                "Can and must",
                "Travelling",
                "Sports and hobbies",
                "Holidays",
                "Shopping",
                "Present Perfect",
                "Describing people",
            ],
        ),
        (
            8,
            [
                "Present Perfect Continuous",
                "Past Perfect",
                "Conditionals",
                "Passive voice",
                "Reported speech",
                "Modal verbs",
                "Relative clauses",
                "Gerund and infinitive",
                "Environment",
                "Technology",
                "Education",
                "Work and careers",
                "Writing an essay",
                "Formal letters",
                "Media",
                "Culture and traditions",
            ],
        ),
    ],
    "Немски език": [
        (
            1,
            [
                "Begrüßung",
                "Meine Familie",
                "Die Schule",
                "Hobbys",
                "Das Essen",
                "Die Stadt",
                "Präsens",
                "Perfekt",
                "Modalverben",
                "Der Dativ",
                "Der Akkusativ",
                "Reisen",
                "Die Wohnung",
                "Feste",
                "Wetter und Jahreszeiten",
                "Präteritum",
            ],
        ),
    ],
    "Околен свят": [
        (
            1,
            [
                "Моето семейство",
                "Моето училище",
                "Сезоните",
                "Растенията около нас",
                "Животните около нас",
                "Домашни и диви животни",
                "Пътят до училище",
                "Празниците",
                "Здравето",
                "Денят и нощта",
                "Родното място",
                "Професиите",
            ],
        ),
    ],
    "Човекът и обществото": [
        (
            1,
            [
                "България – моята родина",
                "Природни области на България",
                "Древните траки",
                "Създаването на българската държава",
                "Покръстването",
                "Кирил и Методий",
                "Златният век",
                "Османското владичество",
                "Българското Възраждане",
                "Васил Левски",
                "Освобождението",
                "Обичаи и празници",
            ],
        ),
    ],
    "Човекът и природата": [
        (
            1,
            [
                "Веществата около нас",
                "Твърди тела, течности и газове",
                "Водата",
                "Въздухът",
                "Почвата",
                "Растенията",
                "Животните",
                "Човешкото тяло",
                "Храненето",
                "Движението",
                "Светлина и звук",
                "Слънчевата система",
                "Природните явления",
                "Електричество",
                "Магнити",
                "Опазване на природата",
            ],
        ),
    ],
    "История и цивилизации": [
        (
            1,
            [
                "Праисторията",
                "Древен Египет",
                "Древна Гърция",
                "Древен Рим",
                "Траките",
                "Византия",
                "Първото българско царство",
                "Покръстването на българите",
                "Второто българско царство",
                "Османската империя",
                "Българското Възраждане",
                "Априлското въстание",
                "Освобождението на България",
                "Съединението",
                "Балканските войни",
                "Първата световна война",
                "Втората световна война",
                "България след 1989 г.",
            ],
        ),
    ],
    "География и икономика": [
        (
            1,
            [
                "Земята – планета от Слънчевата система",
                "Географска карта",
                "Географски координати",
                "Релеф",
                "Климат",
                "Води на сушата",
                "Световният океан",
                "Природни зони",
                "Население",
                "Стопанство",
                "Европа",
                "Балканският полуостров",
                "Природни области на България",
                "Икономика на България",
                "Глобални проблеми",
            ],
        ),
    ],
    "Биология": [
        (
            1,
            [
                "Клетката",
                "Тъкани",
                "Едноклетъчни организми",
                "Растенията",
                "Фотосинтеза",
                "Гъби",
                "Безгръбначни животни",
                "Гръбначни животни",
                "Човешкият организъм",
                "Храносмилателна система",
                "Кръвоносна система",
                "Дихателна система",
                "Нервна система",
                "Наследственост",
                "Екосистеми",
                "Еволюция",
            ],
        ),
    ],
    "Физика": [
        (
            1,
            [
                "Механично движение",
                "Скорост",
                "Сила",
                "Закони на Нютон",
                "Налягане",
                "Архимедов закон",
                "Работа и енергия",
                "Топлина",
                "Електричен ток",
                "Закон на Ом",
                "Магнитно поле",
                "Светлина",
                "Отражение и пречупване",
                "Звук",
                "Атом и ядро",
            ],
        ),
    ],
    "Химия": [
        (
            1,
            [
                "Вещества и техните свойства",
                "Смеси и чисти вещества",
                "Атом",
                "Периодична система",
                "Химична връзка",
                "Химични реакции",
                "Киселини",
                "Основи",
                "Соли",
                "Метали",
                "Неметали",
                "Разтвори",
                "Въглеводороди",
                "Кислородни органични съединения",
            ],
        ),
    ],
    "Информационни технологии": [
        (
            1,
            [
                "Компютърна система",
                "Операционна система",
                "Файлове и папки",
                "Текстообработка",
                "Електронни таблици",
                "Презентации",
                "Компютърна графика",
                "Интернет",
                "Безопасност в мрежата",
                "Електронна поща",
                "Алгоритми",
                "Проект",
            ],
        ),
    ],
    "Информатика": [
        (
            1,
            [
                "Алгоритми и програми",
                "Типове данни",
                "Условни оператори",
                "Цикли",
                "Функции",
                "Масиви",
                "Низове",
                "Сортиране",
                "Търсене",
                "Рекурсия",
                "Бази от данни",
                "Обектно-ориентирано програмиране",
                "Проект",
            ],
        ),
    ],
    "Компютърно моделиране": [
        (
            1,
            [
                "Среда за визуално програмиране",
                "Герои и сцени",
                "Движение на герой",
                "Цикли",
                "Събития",
                "Условия",
                "Анимация",
                "Игра",
                "Проект",
            ],
        ),
    ],
    "Философия": [
        (
            1,
            [
                "Какво е философия",
                "Логика",
                "Понятие и съждение",
                "Етика",
                "Добро и зло",
                "Свобода и отговорност",
                "Естетика",
                "Общество и държава",
                "Права на човека",
                "Познание и истина",
            ],
        ),
    ],
    "Гражданско образование": [
        (
            1,
            [
                "Гражданин и държава",
                "Права и задължения",
                "Демокрация",
                "Конституция",
                "Избори",
                "Местно самоуправление",
                "Европейски съюз",
                "Гражданско общество",
                "Медийна грамотност",
                "Устойчиво развитие",
            ],
        ),
    ],
    "Музика": [
        (
            1,
            [
                "Песен и танц",
                "Музикални инструменти",
                "Ритъм и такт",
                "Народна музика",
                "Хоро и ръченица",
                "Оркестър",
                "Опера",
                "Български композитори",
                "Коледни песни",
                "Музика и празници",
                "Слушане на музика",
            ],
        ),
    ],
    "Изобразително изкуство": [
        (
            1,
            [
                "Цветове",
                "Линия и форма",
                "Рисуване на пейзаж",
                "Портрет",
                "Натюрморт",
                "Апликация",
                "Моделиране",
                "Орнамент",
                "Шрифт",
                "Плакат",
                "Декоративна композиция",
            ],
        ),
    ],
    "Технологии и предприемачество": [
        (
            1,
            [
                "Материали и инструменти",
                "Хартия и картон",
                "Текстил",
                "Дърво",
                "Конструиране",
                "Хранене и готвене",
                "Бизнес идея",
                "Безопасност на труда",
                "Проект",
            ],
        ),
    ],
    "Физическо възпитание и спорт": [
        (
            1,
            [
                "Строеви упражнения",
                "Бягане",
                "Скок на дължина",
                "Хвърляне",
                "Гимнастика",
                "Футбол",
                "Баскетбол",
                "Волейбол",
                "Народни хора",
                "Подвижни игри",
                "Щафетни игри",
                "Тестове за физическа дееспособност",
            ],
        ),
    ],
}
EXERCISE_FREE = {"Музика", "Изобразително изкуство", "Физическо възпитание и спорт"}


def plan_titles(subject: str, grade_level: int, count: int) -> list[str]:
    """``count`` topic titles of a year's plan of ``subject`` for ``grade_level``, in order."""
    bands = TOPICS.get(subject) or [
        (1, ["Въведение в предмета", "Основни понятия", "Практическа работа"])
    ]
    core = next(t for low, t in reversed(bands) if low <= max(grade_level, 1))
    out = ["Входно ниво" if subject not in EXERCISE_FREE else "Въвеждащ урок"]
    term_end = count // 2
    unit: list[str] = []
    i = 0
    while len(out) < count:
        topic = core[i % len(core)]
        again = i >= len(core)
        out.append(f"Задълбочаване: {topic}" if again else topic)
        if subject in EXERCISE_FREE:
            out.append(f"Практика: {topic}")
        else:
            out.append(f"Упражнение: {topic}")
        unit.append(topic)
        i += 1
        if len(unit) == 3:
            out.append(f"Обобщение: {', '.join(unit)}")
            unit = []
        if len(out) >= term_end > 0:
            out.append("Преговор за първия срок")
            term_end = 0
    out = out[: max(count - 1, 1)]
    out.append("Годишен преговор" if count > 1 else out.pop())
    return [title[:1000] for title in out[:count]]


def _write(model: type, columns: tuple[str, ...], values: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL (the loader's); on SQLite one prepared INSERT run over all rows on the
    driver's cursor (dates and times as the text SQLAlchemy stores), several times faster than
    an ORM-level insert of dicts."""
    if not values:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        write_rows(model, columns, values)
        return

    def cell(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    table = model.__tablename__  # type: ignore[attr-defined]
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    connection.exec_driver_sql(sql, [tuple(cell(v) for v in row) for row in values])


def _first_id(model: type) -> int:
    return int(db.session.execute(sa.select(sa.func.max(model.id))).scalar() or 0) + 1  # type: ignore[attr-defined]


def _advance(model: type, next_id: int) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v, false)"),
            {"t": model.__tablename__, "v": next_id},  # type: ignore[attr-defined]
        )


def add_topics(school_id: int, today: dt.date, counts: dict[str, int]) -> None:
    """The plans of the school's current year and a topic for every lesson held up to today."""
    year = db.session.scalar(
        sa.select(SchoolYear).where(SchoolYear.school_id == school_id, SchoolYear.is_current)
    )
    if year is None:
        return
    now_local = clock.now()
    if today < now_local.date():
        now = dt.time(23, 59)
    else:
        now = now_local.time().replace(tzinfo=None) if today == now_local.date() else dt.time(0, 0)
    stamp = clock.utc_naive()
    rows = db.session.execute(
        sa.select(
            Curriculum.id, Subject.name, SchoolClass.grade_level,
            Curriculum.hours_term1, Curriculum.hours_term2,
        )
        .join(Subject, Subject.id == Curriculum.subject_id)
        .join(SchoolClass, SchoolClass.id == Curriculum.class_id)
        .where(Curriculum.school_id == school_id, SchoolClass.school_year_id == year.id)
        .order_by(Curriculum.id)
    ).all()  # fmt: skip
    plan_id = _first_id(PlanTopic)
    plans: dict[int, list[tuple[int, str]]] = {}
    plan_rows: list[tuple[Any, ...]] = []
    for curriculum_id, subject, level, h1, h2 in rows:
        count = int(Decimal(h1 or 0) * 18 + Decimal(h2 or 0) * 16) or 1
        plans[curriculum_id] = []
        for number, title in enumerate(plan_titles(subject, level, min(count, 1000)), start=1):
            plan_rows.append((plan_id, school_id, curriculum_id, number, title, "", stamp, stamp))
            plans[curriculum_id].append((plan_id, title))
            plan_id += 1
    _write(PlanTopic, ("id", "school_id", "curriculum_id", "number", "title", "note",
                           "created_at", "updated_at"), plan_rows)  # fmt: skip
    _advance(PlanTopic, plan_id)

    held = sorted(held_lessons(school_id, year, today, now), key=lambda h: (h[1], h[0].period))
    lesson_id = _first_id(Lesson)
    topic_id = _first_id(LessonTopic)
    lesson_rows: list[tuple[Any, ...]] = []
    topic_rows: list[tuple[Any, ...]] = []
    taken: dict[int, int] = defaultdict(int)
    for slot, day in held:
        lesson_rows.append((lesson_id, school_id, year.id, slot.id, day, slot.period, slot.class_id,
                            slot.curriculum_id, slot.subject_id, slot.teacher_id, stamp, stamp))  # fmt: skip
        plan = plans.get(slot.curriculum_id, [])
        k = taken[slot.curriculum_id]
        taken[slot.curriculum_id] += 1
        if k < len(plan):
            pid, title = plan[k]
        else:
            pid, title = None, "Преговор и упражнения"
        topic_rows.append((topic_id, school_id, lesson_id, 1, title, pid, slot.teacher_id, stamp, stamp))  # fmt: skip
        lesson_id += 1
        topic_id += 1
    _write(Lesson, ("id", "school_id", "school_year_id", "slot_id", "date", "period",
                        "class_id", "curriculum_id", "subject_id", "teacher_id",
                        "created_at", "updated_at"), lesson_rows)  # fmt: skip
    _write(LessonTopic, ("id", "school_id", "lesson_id", "position", "title", "plan_topic_id",
                             "teacher_id", "created_at", "updated_at"), topic_rows)  # fmt: skip
    _advance(Lesson, lesson_id)
    _advance(LessonTopic, topic_id)
    for model, n in (
        (PlanTopic, len(plan_rows)),
        (Lesson, len(lesson_rows)),
        (LessonTopic, len(topic_rows)),
    ):
        counts[model.__tablename__] = counts.get(model.__tablename__, 0) + n
