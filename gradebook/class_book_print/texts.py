"""What the printed class book says: its headings, column names and fixed phrases, by key (the
PDF's catalogue; the section modules never write Bulgarian inline)."""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, str] = {
    # the book and its pages
    "book.title": "Дневник на {name} клас",
    "book.subject": "Учебна {year} година, {school}",
    "book.keywords": "belezhnik-class-book {document_id}",
    "book.page": "Страница {page} от {{nb}}",
    "book.footer": "{school} · {name} клас · {year} · документ {document_id}",
    "book.empty": "Няма записи.",
    "book.more": "…",
    # the cover
    "cover.school": "Училище",
    "cover.code": "Код по НЕИСПУО",
    "cover.address": "Адрес",
    "cover.director": "Директор",
    "cover.year": "Учебна година",
    "cover.class": "Паралелка",
    "cover.profile": "Профил / специалност",
    "cover.class_teacher": "Класен ръководител",
    "cover.pupils": "Брой ученици",
    "cover.generated": "Изготвен",
    "cover.document": "Идентификатор на документа",
    "cover.sections": "Съдържание",
    "cover.signature": (
        "Дневникът се подписва от директора с квалифициран електронен подпис и се качва "
        "обратно в Бележник, с което се приключва."
    ),
    "cover.none": "—",
    # section headings
    "section.teachers": "Учители и учебни предмети",
    "section.timetable": "Седмично разписание",
    "section.parent_meetings": "Родителски срещи",
    "section.classwork": "График на класните работи",
    "section.control": "График на контролните работи",
    "section.pupils": "Списък на учениците",
    "section.lessons": "Теми на уроците и отсъствия по часове",
    "section.homework": "Домашни работи",
    "section.substitutions": "Заместване на учители",
    "section.term1": "Текущи оценки — I срок",
    "section.term2": "Текущи оценки — II срок",
    "section.remarks": "Отзиви и похвали",
    "section.final": "Срочни и годишни оценки",
    "section.absences": "Отсъствия и закъснения — общо",
    "section.individual_work": "Индивидуална работа с ученици",
    "section.sanctions": "Санкции",
    "section.support": "Подкрепа за личностно развитие",
    "section.notes": "Бележки",
    "section.events": "Събития на класа",
    "section.pg_attendance": "Присъствие на децата по дни",
    "section.pg_results": "Резултати от предучилищното образование",
    "section.first_grade_result": "Общ годишен резултат (I клас)",
    "section.grade_results": "Годишни резултати и поправителни изпити",
    # columns
    "col.no": "№",
    "col.pupil": "Ученик",
    "col.subject": "Предмет",
    "col.teacher": "Учител",
    "col.hours_term1": "Часа седмично, I срок",
    "col.hours_term2": "Часа седмично, II срок",
    "col.section": "Раздел",
    "col.weekday": "Ден",
    "col.period": "Час",
    "col.term": "Срок",
    "col.date": "Дата",
    "col.time": "Начало",
    "col.place": "Място",
    "col.topic": "Тема",
    "col.description": "Описание",
    "col.birth": "Дата на раждане",
    "col.enrolled": "Записан",
    "col.left": "Отписан",
    "col.absent": "Отсъстващи (№: У — уважително, Н — неуважително, З — закъснение)",
    "col.homework": "Задача",
    "col.due": "Срок",
    "col.absent_teacher": "Отсъстващ учител",
    "col.substitute": "Замества",
    "col.kind": "Вид",
    "col.current": "Текущи оценки",
    "col.term_grade": "Срочна",
    "col.term1": "I срок",
    "col.term2": "II срок",
    "col.annual": "Годишна",
    "col.text": "Текст",
    "col.excused": "Уважителни",
    "col.unexcused": "Неуважителни",
    "col.lates": "Закъснения",
    "col.activity": "Дейност",
    "col.order": "Заповед",
    "col.period_dates": "Период",
    "col.cancelled": "Отменена",
    "col.difficulties": "Затруднения",
    "col.team": "Екип",
    "col.activities": "Дейности",
    "col.title": "Събитие",
    "col.present": "Присъствия",
    "col.absent_days": "Отсъствия по дати (У — уважително, Н — неуважително)",
    "col.start_result": "В началото на годината",
    "col.end_result": "В края на годината",
    "col.result": "Резултат",
    "col.retakes": "Поправителни изпити (I, II, III сесия)",
    "col.final_result": "Окончателен резултат",
    # values
    "value.section_A": "А",
    "value.section_B": "Б",
    "value.section_V": "В",
    "value.praise": "похвала",
    "value.remark": "отзив",
    "value.classwork": "класна работа",
    "value.control": "контролна работа",
    "value.general": "обща подкрепа",
    "value.additional": "допълнителна подкрепа",
    "value.whole_class": "целия клас",
    "value.order": "№ {number} от {date}",
    "value.cancel": "със заповед № {number} от {date}: {reason}",
    "value.both_terms": "двата срока",
    "value.excused": "У",
    "value.unexcused": "Н",
    "value.late": "З",
    "value.no_show": "не се явил",
    "value.sop": "СОП: {mark}",
}


def text(key: str, **values: Any) -> str:
    """The text of ``key``, with ``values`` in its placeholders."""
    return TEXTS[key].format(**values) if values else TEXTS[key]


def headings(*keys: str) -> list[str]:
    """The texts of a table's column keys, in order."""
    return [TEXTS[key] for key in keys]
