"""What each menu says: tables of summaries → Bulgarian sentences (no digits reach TTS)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ivr import content
from ivr.speech import ensure_no_digits

WED = dt.date(2026, 11, 25)
FRI = dt.date(2026, 11, 27)


def payload(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "term": 1,
        "student": {"first_name": "Иван", "qualitative": False, "class_id": 3},
        "overall": {"average": "5.25", "word": "Много добър"},
        "subjects": [
            {"subject_id": 1, "name": "Математика", "spoken": "Математика", "average": "5.50"},
            {"subject_id": 2, "name": "История", "spoken": "История", "average": "5.00"},
        ],
        "latest_grades": [],
        "absences": {"excused": 0, "unexcused": 0, "lates": 0, "weighted": "0.0"},
        "recent_absences": [],
        "remarks": [],
        "events": [],
        "meetings": [],
        "timetable": {},
    }
    base.update(extra)
    return base


def grade(subject: str, value: str, day: str, kind: str = "current", created: str = "") -> dict:
    return {
        "subject": subject,
        "spoken": subject,
        "value": value,
        "sop_mark": None,
        "category": "quantitative",
        "kind": kind,
        "date": day,
        "created_at": created or day + "T08:00:00",
    }


case = pytest.param


@pytest.mark.parametrize(
    ("summary", "since", "expected"),
    [
        case(
            payload(),
            None,
            ["Иван: среден успех Много добър, пет цяло и двадесет и пет стотни."],
            id="average-only",
        ),
        case(
            payload(overall=None),
            None,
            ["Иван все още няма оценки този срок."],
            id="no-grades-yet",
        ),
        case(
            payload(latest_grades=[grade("Математика", "6.00", "2026-11-24")]),
            None,
            [
                "Иван: среден успех Много добър, пет цяло и двадесет и пет стотни.",
                "През последната седмица: една оценка – Математика Отличен шест.",
            ],
            id="first-call-last-week",
        ),
        case(
            payload(
                latest_grades=[
                    grade("Математика", "6.00", "2026-11-24", created="2026-11-24T10:00:00"),
                    grade("История", "4.50", "2026-11-20", created="2026-11-20T10:00:00"),
                ]
            ),
            dt.datetime(2026, 11, 22),
            [
                "Иван: среден успех Много добър, пет цяло и двадесет и пет стотни.",
                "От последното ви обаждане: една оценка – Математика Отличен шест.",
            ],
            id="new-since-last-call",
        ),
        case(
            payload(
                latest_grades=[grade("История", "4.50", "2026-11-20")],
                recent_absences=[
                    {"date": "2026-11-25", "period": 2, "kind": "unexcused", "subject": ""},
                    {"date": "2026-11-25", "period": 1, "kind": "late", "subject": ""},
                ],
            ),
            dt.datetime(2026, 11, 24),
            [
                "Иван: среден успех Много добър, пет цяло и двадесет и пет стотни.",
                "От последното ви обаждане няма нови оценки.",
                "Днес: едно неуважително отсъствие и едно закъснение.",
            ],
            id="todays-absences",
        ),
    ],
)
def test_headline(summary: dict, since: dt.datetime | None, expected: list[str]) -> None:
    lines = content.headline(summary, WED, since)
    assert lines == expected
    for line in lines:
        ensure_no_digits(line)


def test_absences_today_first_then_term_totals() -> None:
    summary = payload(
        absences={"excused": 3, "unexcused": 2, "lates": 1, "weighted": "2.5"},
        recent_absences=[{"date": "2026-11-25", "period": 3, "kind": "unexcused", "subject": ""}],
    )
    assert content.absences(summary, WED) == [
        "Днес: едно неуважително отсъствие, в трети час.",
        "Този срок: три уважителни отсъствия, две неуважителни отсъствия и едно закъснение.",
        "Общо две и половина неуважителни отсъствия, като всяко закъснение се брои за половин "
        "отсъствие.",
    ]


@pytest.mark.parametrize(
    ("totals", "today_periods", "said"),
    [
        case({"excused": 0, "unexcused": 2, "lates": 0, "weighted": "2"}, [2],
             ["Днес: едно неуважително отсъствие, във втори час.",
              "Този срок: две неуважителни отсъствия."],
             id="vav-before-v-zero-counts-left-out-no-weighted-without-lates"),
        case({"excused": 0, "unexcused": 0, "lates": 1, "weighted": "0.5"}, [4],
             ["Днес: едно неуважително отсъствие, в четвърти час.",
              "Този срок: едно закъснение.",
              "Общо половин неуважително отсъствие, като всяко закъснение се брои за половин "
              "отсъствие."],
             id="one-late-is-half-an-absence-never-half-an-hour"),
        case({"excused": 1, "unexcused": 1, "lates": 2, "weighted": "2"}, [2, 3],
             ["Днес: две неуважителни отсъствия, във втори и трети час.",
              "Този срок: едно уважително отсъствие, едно неуважително отсъствие и две "
              "закъснения.",
              "Общо две неуважителни отсъствия, като всяко закъснение се брои за половин "
              "отсъствие."],
             id="two-lessons-whole-weighted"),
    ],
)  # fmt: skip
def test_absences_wording_heard_by_first_time_callers(
    totals: dict, today_periods: list[int], said: list[str]
) -> None:
    """Issue 14: "във втори час", no "нула …" read out, and a late as half an absence."""
    summary = payload(
        absences=totals,
        recent_absences=[
            {"date": "2026-11-25", "period": p, "kind": "unexcused", "subject": ""}
            for p in today_periods
        ],
    )
    assert content.absences(summary, WED) == said


@pytest.mark.parametrize(
    ("text", "said"),
    [
        case("Стая 101", "Стая сто и едно", id="room-number-a-name-neuter"),
        case("кабинет 21", "кабинет двадесет и едно", id="cabinet"),
        case("Зала № 2", "Зала номер две", id="numero-sign"),
        case("5 ученици", "пет ученици", id="count-before-a-noun-unchanged"),
        case("в 18:30 ч.", "в осемнадесет часа и тридесет минути", id="clock"),
    ],
)
def test_speakable_reads_a_label_number_as_a_name(text: str, said: str) -> None:
    assert content.speakable(text) == said


def test_grades_page_by_page() -> None:
    grades = [grade("Математика", "5.00", f"2026-11-{d:02d}") for d in range(20, 13, -1)]
    summary = payload(latest_grades=grades)
    first, more = content.latest_grades(summary, WED)
    assert more and len(first) == 1 + content.GRADES_PAGE
    assert first[0] == "Последни оценки на Иван."
    assert first[1] == "Математика: Много добър пет, двадесети ноември."
    rest, more = content.latest_grades(summary, WED, content.GRADES_PAGE)
    assert not more and len(rest) == 2


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        case({"value": "5.50", "category": "quantitative"}, "Отличен, пет цяло и петдесет стотни"),
        case({"value": "2.00", "category": "quantitative"}, "Слаб две"),
        case({"value": "4.00", "category": "qualitative"}, "Добър"),
        case({"value": None, "sop_mark": "copes", "category": "sop"}, "справя се"),
    ],
)
def test_grade_words(entry: dict, words: str) -> None:
    assert content.grade_value_words(entry) == words


@pytest.mark.parametrize(
    ("today", "label"),
    [
        case(WED, "Утре", id="wednesday-tomorrow"),
        case(FRI, "В понеделник", id="friday-monday"),
        case(dt.date(2026, 11, 28), "В понеделник", id="saturday-monday"),
    ],
)
def test_timetable_of_the_next_school_day(today: dt.date, label: str) -> None:
    lesson = {"starts": "08:00", "ends": "08:40", "term": None}
    summary = payload(
        timetable={
            "4": [
                {**lesson, "period": 1, "subject": "Математика", "spoken": "Математика"},
                {**lesson, "period": 2, "subject": "Математика", "spoken": "Математика"},
                {**lesson, "period": 3, "subject": "История", "spoken": "История"},
            ],
            "1": [{**lesson, "period": 1, "subject": "Музика", "spoken": "Музика"}],
        }
    )
    lines = content.timetable(summary, today)
    assert lines[0].startswith(label)
    if label == "Утре":
        assert lines == [
            "Утре три урока, от осем часа.",
            "Два часа Математика и История.",
            "За утре няма записано домашно.",
        ]
    else:
        assert lines[1] == "Музика."


def test_coming_events_and_meetings() -> None:
    summary = payload(
        events=[
            {"kind": "test", "title": "Тест по математика", "date": "2026-11-26", "time": None},
            {"kind": "school_event", "title": "Концерт", "date": "2026-12-18", "time": "17:30"},
            {"kind": "test", "title": "Минало", "date": "2026-11-20", "time": None},
        ],
        meetings=[{"date": "2026-12-02", "time": "18:00", "place": "Стая 12", "topic": ""}],
    )
    assert content.coming(summary, WED) == [
        "Утре: Тест по математика.",
        "В петък, осемнадесети декември от седемнадесет часа и тридесет минути: Концерт.",
        "Родителска среща в сряда, втори декември от осемнадесет часа, Стая дванадесет.",
    ]


def test_compare_with_the_class() -> None:
    group = {
        "hidden": False,
        "overall": {"average": "4.50"},
        "subjects": {"1": "4.80", "2": "5.00"},
    }
    assert content.compare(payload(), group, WED) == [
        "Успехът на Иван е Много добър, пет цяло и двадесет и пет стотни, над средния за "
        "класа: Много добър, четири цяло и петдесет стотни.",
        "Над класа по Математика.",
    ]
    assert content.compare(payload(), {"hidden": True}, WED) == ["Сравнение с класа не е налично."]


@pytest.mark.parametrize(
    ("raw", "spoken"),
    [
        case("Стая 12", "Стая дванадесет"),
        case("Начало 17:30 ч.", "Начало седемнадесет часа и тридесет минути"),
        case("без цифри", "без цифри"),
    ],
)
def test_speakable(raw: str, spoken: str) -> None:
    assert content.speakable(raw) == spoken


def test_remarks() -> None:
    summary = payload(
        remarks=[
            {"kind": "praise", "text": "Отлично участие", "date": "2026-11-24", "subject": ""},
            {
                "kind": "remark",
                "text": "Без домашно 2 пъти",
                "date": "2026-11-10",
                "subject": "История",
            },
        ]
    )
    assert content.remarks(summary, WED) == [
        "Похвала, вчера: Отлично участие.",
        "Забележка по История, десети ноември: Без домашно два пъти.",
    ]


def test_remarks_start_with_the_notes_from_the_school() -> None:
    summary = payload(
        notes=[{"date": "2026-11-24", "text": "Участва в олимпиада", "about_child": True}],
        remarks=[],
    )
    assert content.remarks(summary, WED) == [
        "Бележка от училището, вчера: Участва в олимпиада.",
        "Няма забележки и похвали.",
    ]


def test_headline_names_the_child_after_the_pin() -> None:
    # nothing about the child is said before the PIN, so the headline says whose it is
    lines = content.headline(payload(), WED, None)
    assert lines == ["Иван: среден успех Много добър, пет цяло и двадесет и пет стотни."]
    assert content.headline(payload(overall=None), WED, None) == [
        "Иван все още няма оценки този срок."
    ]


# --- grades I–III: marks counted, never averaged ----------------------------------------------


def subject(sid: int, name: str, **extra: Any) -> dict[str, Any]:
    return {"subject_id": sid, "name": name, "spoken": name, **extra}


def qualitative(*subjects: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A grade-III pupil's payload; the averages the read model still computes are there on
    purpose: none of them may be spoken."""
    return payload(
        student={"first_name": "Калина", "qualitative": True, "class_id": 7},
        overall={"average": "5.25", "word": "Много добър"},
        subjects=list(subjects),
        **extra,
    )


MATH_III = subject(1, "Математика", average="5.67", count=3, marks={"6": 2, "5": 1})
BG_III = subject(2, "Български език", average="5.50", count=2, marks={"6": 2})
MUSIC_III = subject(3, "Музика", average="5.00", count=1, marks={"5": 1})


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        case(
            qualitative(MATH_III, BG_III, MUSIC_III),
            ["Калина: този срок – четири оценки Отличен и две оценки Много добър."],
            id="summed-over-subjects",
        ),
        case(
            qualitative(MUSIC_III),
            ["Калина: този срок – една оценка Много добър."],
            id="one-mark-feminine",
        ),
        case(
            qualitative(subject(1, "Математика", count=21, marks={"6": 21})),
            ["Калина: този срок – двадесет и една оценки Отличен."],
            id="twenty-one-feminine",
        ),
        case(
            qualitative(subject(1, "Математика", count=2, marks={"4": 1, "3": 0, "2": 1})),
            ["Калина: този срок – една оценка Добър и една оценка Незадоволителен."],
            id="zero-counts-left-out",
        ),
        case(qualitative(), ["Калина все още няма оценки този срок."], id="no-marks"),
        case(
            qualitative(subject(1, "Математика", average="5.50", count=2)),
            ["Калина: този срок – две оценки."],
            id="payload-without-marks-still-no-average",
        ),
    ],
)
def test_headline_grades_one_to_three(summary: dict[str, Any], expected: list[str]) -> None:
    lines = content.headline(summary, WED, None)
    assert lines == expected
    for line in lines:
        ensure_no_digits(line)


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        case(
            qualitative(MATH_III, BG_III, MUSIC_III),
            [
                "Оценки този срок: четири оценки Отличен и две оценки Много добър.",
                "Математика: две оценки Отличен и една оценка Много добър.",
                "Български език: две оценки Отличен.",
                "Музика: една оценка Много добър.",
            ],
            id="in-all-then-per-subject",
        ),
        case(
            qualitative(
                MUSIC_III,
                subject(4, "Технологии", average="5.00", final=True, count=0, marks={}),
            ),
            ["Оценки този срок: една оценка Много добър.", "Музика: една оценка Много добър."],
            id="subject-without-marks-skipped",
        ),
        case(
            qualitative(
                subject(
                    1, "Математика", average="6.00", count=1, marks={"6": 1}, annual_grade="6.00"
                )
            ),
            [
                "Оценки този срок: една оценка Отличен.",
                "Математика: една оценка Отличен, годишна оценка Отличен.",
            ],
            id="annual-mark-a-word",
        ),
        case(qualitative(), ["Калина все още няма оценки този срок."], id="none-yet"),
    ],
)
def test_menu_three_grades_one_to_three(summary: dict[str, Any], expected: list[str]) -> None:
    assert content.averages(summary, WED) == expected


def test_no_menu_speaks_an_average_to_a_grade_three_parent() -> None:
    summary = qualitative(
        MATH_III,
        BG_III,
        latest_grades=[{**grade("Математика", "6.00", "2026-11-24"), "category": "qualitative"}],
    )
    group = {"hidden": False, "overall": {"average": "4.50"}, "subjects": {"1": "4.80"}}
    said = [
        *content.headline(summary, WED, None),
        *content.latest_grades(summary, WED)[0],
        *content.averages(summary, WED),
        *content.compare(summary, group, WED),
    ]
    text = " ".join(said)
    for average_word in ("цяло", "стотн", "среден успех Много", "над", "под", "пет и"):
        assert average_word not in text, (average_word, said)
    for line in said:
        ensure_no_digits(line)


@pytest.mark.parametrize(
    "group",
    [
        case({"hidden": False, "overall": {"average": "4.50"}, "subjects": {}}, id="shown-group"),
        case({"hidden": True}, id="hidden-group"),
        case(None, id="no-group"),
    ],
)
def test_compare_grades_one_to_three_says_why_there_is_none(group: dict | None) -> None:
    assert content.compare(qualitative(MATH_III), group, WED) == [
        "В първи до трети клас оценките са качествени и не се осредняват, затова сравнение със "
        "средния успех на класа няма.",
        "Колко от всяка оценка има в класа, вижте в уеб портала.",
    ]


# --- grades IV–XII: the term grade once set, else the forecast ----------------------------------


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        case(
            subject(1, "Математика", average="5.25", final=False, forecast="5.25"),
            "Математика: Много добър, пет цяло и двадесет и пет стотни.",
            id="forecast",
        ),
        case(
            subject(
                1, "Математика", average="5.00", final=True, forecast="5.75", term_grade="5.00"
            ),
            "Математика: срочна оценка Много добър пет.",
            id="term-grade-set-wins-over-forecast",
        ),
        case(
            subject(
                1, "Математика", average="2.00", final=True, forecast="3.40", term_grade="2.00"
            ),
            "Математика: срочна оценка Слаб две.",
            id="term-grade-two",
        ),
        case(
            subject(1, "Математика", average="5.50", final=False, forecast="5.50"),
            "Математика: Отличен, пет цяло и петдесет стотни.",
            id="forecast-5.50-boundary",
        ),
        case(
            subject(1, "Математика", average="5.49", final=False, forecast="5.49"),
            "Математика: Много добър, пет цяло и четиридесет и девет стотни.",
            id="forecast-5.49-boundary",
        ),
        case(
            subject(
                1, "Математика", average="5.00", final=True, term_grade="5.00", annual_grade="6.00"
            ),
            "Математика: срочна оценка Много добър пет, годишна оценка Отличен шест.",
            id="annual-grade-once-set",
        ),
        case(
            subject(1, "Математика", average="4.00", forecast="4.00"),
            "Математика: Добър четири.",
            id="older-payload-without-final",
        ),
    ],
)
def test_menu_three_subject_figures(entry: dict[str, Any], expected: str) -> None:
    lines = content.averages(payload(subjects=[entry]), WED)
    assert lines == ["Среден успех: Много добър, пет цяло и двадесет и пет стотни.", expected]
    ensure_no_digits(expected)


@pytest.mark.parametrize(
    ("result", "said"),
    [
        (None, []),
        (
            {"kind": "first_grade", "qualitative": 5, "special": None},
            ["Общ годишен резултат: Много добър."],
        ),
        (
            {"kind": "first_grade", "qualitative": 2, "special": None},
            ["Общ годишен резултат: Незадоволителен."],
        ),
        (
            {"kind": "first_grade", "qualitative": None, "special": 2},
            ["Общ годишен резултат: справя се."],
        ),
        ({"kind": "first_grade", "qualitative": None, "special": None}, []),  # nothing to say
        (
            {"kind": "annual", "initial": 1, "final": None, "subjects": []},
            ["Годишен резултат: завършва класа."],
        ),
        (
            {"kind": "annual", "initial": 3, "final": None, "subjects": []},
            ["Годишен резултат: повтаря класа."],
        ),
        (
            {"kind": "annual", "initial": 2, "final": None, "subjects": ["Математика"]},
            ["Годишен резултат: полага поправителни изпити по математика."],
        ),
        (
            {
                "kind": "annual",
                "initial": 2,
                "final": None,
                "subjects": ["Математика", "Химия и опазване на околната среда"],
            },
            [
                "Годишен резултат: полага поправителни изпити по математика, химия и опазване на околната среда."
            ],
        ),
        (
            {"kind": "annual", "initial": 2, "final": 1, "subjects": ["История и цивилизации"]},
            [
                "Годишен резултат: полага поправителни изпити по история и цивилизации.",
                "След поправителните изпити: завършва класа.",
            ],
        ),
        (
            {"kind": "annual", "initial": 2, "final": 3, "subjects": ["Физика и астрономия"]},
            [
                "Годишен резултат: полага поправителни изпити по физика и астрономия.",
                "След поправителните изпити: повтаря класа.",
            ],
        ),
    ],
)
def test_year_result_is_said_in_menu_3(result: dict[str, Any] | None, said: list[str]) -> None:
    assert content.year_result(result) == said
    spoken = content.averages(payload(year_result=result), WED)
    assert spoken[: len(said)] == said  # the year's result first, then the term's figures
    assert spoken[len(said)].startswith("Среден успех:")
    for line in spoken:
        ensure_no_digits(line)


# --- menu 3 of a preparatory group: its results, never grades ------------------------------------
LONG = "Разпознава цветовете и формите. " * 12  # 384 characters: cut at a sentence before 300


@pytest.mark.parametrize(
    ("subjects", "said"),
    [
        ([], []),  # nothing written yet
        ([{"name": "Математика", "start": "", "end": ""}], []),  # emptied texts
        (
            [{"name": "Математика", "start": "Брои до 5.", "end": ""}],  # only the start's
            [
                "Резултати от подготвителната група.",
                "Математика, в началото на годината: Брои до пет.",
            ],
        ),
        (
            [{"name": "Български език и литература", "start": "Разказва.", "end": "Чете букви."}],
            [  # the end of the year's wins over the start's
                "Резултати от подготвителната група.",
                "Български език и литература, в края на годината: Чете букви.",
            ],
        ),
        (
            [
                {"name": "Математика", "start": "", "end": "Брои до 10 и обратно"},  # no full stop
                {"name": "Околен свят", "start": "Назовава сезоните.", "end": ""},
            ],
            [
                "Резултати от подготвителната група.",
                "Математика, в края на годината: Брои до десет и обратно.",
                "Околен свят, в началото на годината: Назовава сезоните.",
            ],
        ),
    ],
)
def test_a_preparatory_group_s_results_are_said(
    subjects: list[dict[str, str]], said: list[str]
) -> None:
    result = {"kind": "pg", "subjects": subjects}
    assert content.year_result(result) == said
    for line in said:
        ensure_no_digits(line)


def test_a_long_result_is_cut_at_a_sentence_and_the_portal_named() -> None:
    said = content.pg_results([{"name": "Околен свят", "start": "", "end": LONG}])
    assert said[0] == "Резултати от подготвителната група."
    body = said[1].removeprefix("Околен свят, в края на годината: ")
    assert body.endswith("формите.") and len(body) <= content.PG_RESULT_SPOKEN
    assert said[-1] == "Целият текст на резултатите е в портала."
    # exactly at the limit it is said whole, without the note
    whole = content.pg_results([{"name": "Околен свят", "end": "а" * content.PG_RESULT_SPOKEN}])
    assert len(whole) == 2 and whole[1].endswith("а.")
    # one long word without a sentence end is cut at a word
    words = content.pg_results([{"name": "Околен свят", "end": "дума " * 100}])
    assert words[1].endswith("дума.") and words[-1].startswith("Целият текст")


def test_menu_3_of_a_preparatory_group_says_results_or_that_there_are_no_grades() -> None:
    group = payload(overall=None, subjects=[], pg_days={"recent": []})
    assert content.averages(group, WED) == [
        "В подготвителната група не се пишат оценки. Резултатите на детето се вписват в "
        "началото и в края на учебната година."
    ]
    group["year_result"] = {"kind": "pg", "subjects": [{"name": "Математика", "end": "Брои."}]}
    assert content.averages(group, WED) == [
        "Резултати от подготвителната група.",
        "Математика, в края на годината: Брои.",
    ]
