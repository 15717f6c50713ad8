"""The downloadable import templates (headers only) and filled examples, as CSV and XLSX.

Generated from the column specs of each kind (``onboarding.importer.KINDS``), so the template,
the example, the importer and ``docs/IMPORT.md`` never disagree. CSV: UTF-8 with BOM and ``;``
(what Bulgarian Excel opens directly).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from onboarding.export_cells import safe_row
from onboarding.importer import KINDS

EXAMPLE_ROWS: dict[str, list[dict[str, str]]] = {
    "teachers": [
        {"full_name": "Илиана Стефанова", "email": "direktor@sou.example.bg", "phone": "0888100200",
         "position": "директор", "role": "администратор"},
        {"full_name": "Росица Петрова", "email": "r.petrova@sou.example.bg", "phone": "0888765432",
         "position": "учител по математика", "role": "учител"},
        {"full_name": "Валентин Господинов", "email": "v.gospodinov@sou.example.bg", "phone": "",
         "position": "учител по български език и литература", "role": "учител"},
    ],
    "classes": [
        {"class_name": "5а", "grade_level": "5", "class_teacher_email": "r.petrova@sou.example.bg",
         "shift": "1", "profile": ""},
        {"class_name": "5б", "grade_level": "V", "class_teacher_email": "v.gospodinov@sou.example.bg",
         "shift": "2", "profile": ""},
        {"class_name": "8е", "grade_level": "", "class_teacher_email": "", "shift": "1",
         "profile": "Софтуерни и хардуерни науки"},
    ],
    "subjects": [
        {"name": "Български език и литература", "short_name": "БЕЛ", "spoken_name": ""},
        {"name": "Математика", "short_name": "МАТ", "spoken_name": ""},
        {"name": "Информационни технологии", "short_name": "ИТ", "spoken_name": "ай ти"},
    ],
    "curriculum": [
        {"class_name": "5а", "subject": "Математика", "teacher_email": "r.petrova@sou.example.bg",
         "section": "А", "hours_term1": "4", "hours_term2": "4", "group_name": ""},
        {"class_name": "5а", "subject": "Български език и литература",
         "teacher_email": "v.gospodinov@sou.example.bg", "section": "А", "hours_term1": "5",
         "hours_term2": "4,5", "group_name": ""},
        {"class_name": "8е", "subject": "Английски език", "teacher_email": "", "section": "Б",
         "hours_term1": "2", "hours_term2": "2", "group_name": "група 1"},
    ],
    "timetable": [
        {"class_name": "5а", "weekday": "понеделник", "period": "1", "subject": "Математика",
         "group_name": "", "term": "", "room": "214"},
        {"class_name": "5а", "weekday": "понеделник", "period": "2",
         "subject": "Български език и литература", "group_name": "", "term": "", "room": "214"},
        {"class_name": "8е", "weekday": "вторник", "period": "3", "subject": "Английски език",
         "group_name": "група 1", "term": "1", "room": "305"},
    ],
    "topic_plan": [
        {"class_name": "5а", "subject": "Математика", "group_name": "", "number": "1",
         "title": "Входно ниво", "note": ""},
        {"class_name": "5а", "subject": "Математика", "group_name": "", "number": "2",
         "title": "Обикновени дроби", "note": "нови знания"},
        {"class_name": "5а", "subject": "Математика", "group_name": "", "number": "3",
         "title": "Умножение на дроби", "note": ""},
    ],
}  # fmt: skip


def _example_students() -> list[dict[str, str]]:
    from gradebook.demo import make_egn

    rng = random.Random(2026)
    people = [
        ("5а", "Иван", "Петров", "Иванов", False, "Мария Иванова", "майка", "0888123456",
         "maria.ivanova@example.bg"),
        ("5а", "Елена", "Георгиева", "Димитрова", True, "Георги Димитров", "баща", "0877111222",
         ""),
        ("5а", "Калоян", "Стоянов", "Колев", False, "Петя Колева", "майка", "",
         "petya.koleva@example.bg"),
        ("5б", "Йоана", "Николаева", "Маринова", True, "Николай Маринов", "баща", "0899333444",
         "n.marinov@example.bg"),
    ]  # fmt: skip
    rows = []
    for number, (klass, first, middle, last, female, parent, rel, phone, email) in enumerate(
        people
    ):
        birth = dt.date(2015, 1 + number * 2, 10 + number)
        rows.append(
            {
                "class_name": klass,
                "class_number": str(number + 1 if klass == "5а" else 1),
                "first_name": first,
                "middle_name": middle,
                "last_name": last,
                "id_type": "ЕГН",
                "personal_id": make_egn(rng, birth, female),
                "birth_date": birth.strftime("%d.%m.%Y"),
                "gender": "Ж" if female else "М",
                "sop": "не",
                "p1_name": parent,
                "p1_relation": rel,
                "p1_phone": phone,
                "p1_email": email,
            }
        )
    return rows


def example_rows(kind: str) -> list[dict[str, str]]:
    return _example_students() if kind == "students" else EXAMPLE_ROWS[kind]


def template_csv(kind: str, example: bool = False) -> bytes:
    columns = KINDS[kind].columns
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(safe_row(c.header for c in columns))
    if example:
        for row in example_rows(kind):
            writer.writerow(safe_row(row.get(c.key, "") for c in columns))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(kind: str, example: bool = False) -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    columns = KINDS[kind].columns
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = KINDS[kind].title[:31]
    sheet.append(safe_row(c.header for c in columns))
    for index, column in enumerate(columns, 1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        label = ("задължителна; " if column.required else "") + column.doc
        cell.comment = Comment(label, "Бележник")
        sheet.column_dimensions[cell.column_letter].width = max(12, len(column.header) + 4)
        # ids and phones as text, so that Excel keeps the leading zeros of ЕГН and numbers
        sheet.column_dimensions[cell.column_letter].number_format = "@"
    if example:
        for row in example_rows(kind):
            sheet.append(safe_row(row.get(c.key, "") for c in columns))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_file(kind: str, fmt: str, example: bool) -> tuple[bytes, str, str]:
    """(content, filename, mimetype) of a template or filled example."""
    name = f"belezhnik-{kind}-{'primer' if example else 'shablon'}.{fmt}"
    if fmt == "csv":
        return template_csv(kind, example), name, "text/csv; charset=utf-8"
    if fmt == "xlsx":
        return (
            template_xlsx(kind, example),
            name,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise ValueError(fmt)
