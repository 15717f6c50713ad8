"""The monthly absences file of НЕИСПУО / АСП: export for a month and import (check) of such a file.

Format (DOMAIN.md; NEISPUO ``AbsenceImportModel``): plain text, Windows-1251, one line per student,
16 fields separated by ``|``:

 1. institution code (НЕИСПУО, 7 digits)      9. grade level, 2 digits ("05"; ПГ "00")
 2. school year (first calendar year, "2026") 10. class code (our class id)
 3. month, 2 digits ("11")                    11. group code (empty: whole class)
 4. id type: empty ЕГН, 1 ЛНЧ, 2 ИДН          12. class name ("5а")
 5. id (ЕГН / ЛНЧ / ИДН)                      13. attends regularly: 1 yes, 0 no (weighted
 6. first name                                    unexcused hours above the school's threshold)
 7. middle name                               14. deregistration date dd.mm.yyyy (left this month)
 8. last name                                 15. excused hours "0.00"
                                              16. unexcused hours "0.00" (weighted: a late = ½)

One line per student enrolled in the school in that month (also those who left during it).
Lines end with CRLF.

The file flows one way: the school sends it to НЕИСПУО, which passes it on to АСП (the child
benefit office). The diary is its source: every hour in it is the sum of per-lesson absences
(date, period, subject, kind). A file holds monthly totals only, so it cannot be written back
into the diary without inventing lessons, and a correction must happen in the diary, where the
parents are told and the read models follow. Importing a file therefore changes nothing: it
parses and validates every line (errors per line in Bulgarian) and compares each pupil's hours,
"attends regularly" and presence with the diary, naming the pupil, the class and the page of the
staff web where the diary is corrected, and offers the diary's own file for the same month.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from decimal import InvalidOperation

import sqlalchemy as sa

from gradebook import rules
from models import Enrollment
from models import School
from models import SchoolClass
from models import SchoolYear
from models import Student
from models import db
from notify.sms import transliterate
from onboarding.file_error import ImportFileError
from onboarding.report_absences import absence_counts
from onboarding.tabular import RowError
from onboarding.tabular import decode

FIELDS = 16
ID_TYPE_CODES = dict(rules.ASP_ID_TYPE_CODES)  # egn → "", lnch → "1", idn → "2"
ID_TYPE_BY_CODE = {v: k for k, v in ID_TYPE_CODES.items()}


@dataclass(frozen=True)
class AspRecord:
    institution: str
    school_year: int
    month: int
    id_type: str  # egn / lnch / idn
    personal_id: str
    first_name: str
    middle_name: str
    last_name: str
    grade_level: int
    class_code: str
    group_code: str
    class_name: str
    attends_regularly: bool
    deregistered_on: dt.date | None
    excused: Decimal
    unexcused: Decimal

    def line(self) -> str:
        def clean(text: str) -> str:
            return re.sub(r"[|\r\n]", " ", text).strip()

        fields = [
            self.institution,
            str(self.school_year),
            f"{self.month:02d}",
            ID_TYPE_CODES[self.id_type],
            clean(self.personal_id),
            clean(self.first_name),
            clean(self.middle_name),
            clean(self.last_name),
            f"{self.grade_level:02d}",
            clean(self.class_code),
            clean(self.group_code),
            clean(self.class_name),
            "1" if self.attends_regularly else "0",
            rules.format_date_bg(self.deregistered_on) if self.deregistered_on else "",
            f"{self.excused:.2f}",
            f"{self.unexcused:.2f}",
        ]
        assert len(fields) == FIELDS
        return "|".join(fields)


def _year_for(school_id: int, first: dt.date) -> SchoolYear:
    year = db.session.scalar(
        sa.select(SchoolYear).where(
            SchoolYear.school_id == school_id,
            SchoolYear.starts_on
            <= dt.date(first.year, first.month, calendar.monthrange(first.year, first.month)[1]),
            SchoolYear.ends_on >= first,
        )
    ) or db.session.scalar(
        sa.select(SchoolYear).where(
            SchoolYear.school_id == school_id, SchoolYear.is_current.is_(True)
        )
    )
    if year is None:
        raise ValueError("no school year")
    return year


def build_records(school_id: int, year: int, month: int) -> list[AspRecord]:
    school = db.session.get(School, school_id)
    assert school is not None
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    school_year = _year_for(school_id, first)
    rows = db.session.execute(
        sa.select(Enrollment, Student, SchoolClass)
        .join(Student, Student.id == Enrollment.student_id)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .where(
            Enrollment.school_id == school_id,
            SchoolClass.school_year_id == school_year.id,
            Enrollment.enrolled_on <= last,
            sa.or_(Enrollment.left_on.is_(None), Enrollment.left_on >= first),
        )
        .order_by(SchoolClass.grade_level, SchoolClass.name, Enrollment.class_number)
    ).all()
    # a student who moved class in the month: keep the current (or latest) enrollment only
    latest: dict[int, tuple[Enrollment, Student, SchoolClass]] = {}
    for enrollment, student, klass in rows:
        held = latest.get(student.id)
        if held is None or (held[0].left_on is not None and (
            enrollment.left_on is None or enrollment.left_on > held[0].left_on
        )):  # fmt: skip
            latest[student.id] = (enrollment, student, klass)
    # a pupil enrolled again after leaving (promoted into the next school year, moved to another
    # class) was not deregistered from the school
    closed = [e.student_id for e, _s, _k in latest.values() if e.left_on is not None]
    last_enrolled: dict[int, dt.date] = {}
    for chunk in (closed[i : i + 500] for i in range(0, len(closed), 500)):
        for sid, day in db.session.execute(
            sa.select(Enrollment.student_id, sa.func.max(Enrollment.enrolled_on))
            .where(Enrollment.school_id == school_id, Enrollment.student_id.in_(chunk))
            .group_by(Enrollment.student_id)
        ):
            last_enrolled[sid] = day
    totals = absence_counts(school_id, list(latest), first, last)
    threshold = Decimal(str(school.absence_threshold))
    records = []
    for enrollment, student, klass in sorted(
        latest.values(), key=lambda r: (r[2].grade_level, r[2].name, r[0].class_number)
    ):
        t = totals[student.id]
        records.append(
            AspRecord(
                institution=school.neispuo_code,
                school_year=school_year.starts_on.year,
                month=month,
                id_type=str(student.personal_id_type),
                personal_id=student.personal_id or "",
                first_name=student.first_name,
                middle_name=student.middle_name,
                last_name=student.last_name,
                grade_level=klass.grade_level,
                class_code=str(klass.id),
                group_code="",
                class_name=klass.name,
                attends_regularly=not t.weighted > threshold,
                deregistered_on=(
                    None
                    if enrollment.left_on is None
                    or enrollment.enrolled_on
                    < last_enrolled.get(student.id, enrollment.enrolled_on)
                    >= enrollment.left_on
                    else enrollment.left_on
                ),
                excused=Decimal(t.excused).quantize(Decimal("0.01")),
                unexcused=t.weighted.quantize(Decimal("0.01")),
            )
        )
    return records


def export_month(school_id: int, year: int, month: int) -> bytes:
    """The file for a month, Windows-1251 (characters it lacks become "?")."""
    lines = [r.line() for r in build_records(school_id, year, month)]
    return "".join(line + "\r\n" for line in lines).encode("cp1251", errors="replace")


def filename(school: School, year: int, month: int) -> str:
    """ "отсъствия" in Latin by the transliteration law of 2009 (``notify.sms.transliterate``: "ия"
    at a word's end is "ia"), with the school's НЕИСПУО code and the month."""
    return f"{transliterate('отсъствия')}-{school.neispuo_code}-{year}-{month:02d}.txt"


# --- import -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AspDifference:
    """One pupil whose line in the file and the diary disagree, with what to do about it."""

    kind: str  # hours / regular / not_enrolled / unknown / missing (in the diary, not the file)
    text: str  # the Bulgarian sentence
    year: int  # calendar year and month of the line
    month: int
    line: int | None = None  # line of the file, from 1 (None: missing from the file)
    student_id: int | None = None  # ours, when the pupil is in the school
    class_id: int | None = None  # the pupil's class in the diary that month


@dataclass
class AspImport:
    records: list[AspRecord] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)  # of each record, from 1
    errors: list[RowError] = field(default_factory=list)
    details: list[AspDifference] = field(default_factory=list)
    matching: int = 0
    encoding: str = ""
    months: list[tuple[int, int]] = field(default_factory=list)  # (year, month) of this school

    @property
    def differences(self) -> list[str]:
        return [d.text for d in self.details]


FIELD_NAMES = ["код на институцията", "учебна година", "месец", "вид идентификатор",
               "идентификатор", "име", "презиме", "фамилия", "клас", "код на паралелката",
               "код на групата", "паралелка", "посещава редовно", "дата на отписване",
               "уважителни часове", "неуважителни часове"]  # fmt: skip
_HOURS = re.compile(r"\d{1,4}[.,]\d{2}")


def parse(data: bytes) -> AspImport:
    """Parse and validate a file (pure): one RowError per bad field, line numbers from 1."""
    result = AspImport()
    try:
        text, result.encoding = decode(data)
    except ImportFileError as exc:
        result.errors.append(RowError(0, "", exc.message_bg))
        return result
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("|")
        if len(parts) != FIELDS:
            result.errors.append(
                RowError(
                    number, "", f"очакват се {FIELDS} полета, разделени с „|“, а са {len(parts)}"
                )
            )
            continue
        before = len(result.errors)

        def bad(index: int, message: str, number: int = number) -> None:
            result.errors.append(RowError(number, FIELD_NAMES[index], message))

        code, year, month, id_code, pid, first, middle, last, level, class_code, group, cname, \
            regular, dereg, excused, unexcused = (p.strip() for p in parts)  # fmt: skip
        if not re.fullmatch(r"\d{7}", code):
            bad(0, "трябва да е 7 цифри")
        if not re.fullmatch(r"\d{4}", year):
            bad(1, "трябва да е година с 4 цифри")
        if not (re.fullmatch(r"\d{2}", month) and 1 <= int(month) <= 12):
            bad(2, "месецът трябва да е от 01 до 12")
        id_type = ID_TYPE_BY_CODE.get(id_code)
        if id_type is None:
            bad(3, "трябва да е празно (ЕГН), 1 (ЛНЧ) или 2 (ИДН)")
        else:
            try:
                rules.validate_personal_id(id_type, pid)
            except rules.RuleError as exc:
                bad(4, exc.message_bg)
        if not first:
            bad(5, "задължително поле")
        if not last:
            bad(7, "задължително поле")
        if not (re.fullmatch(r"\d{2}", level) and int(level) <= 12):
            bad(8, "класът трябва да е две цифри, от 00 до 12")
        if regular not in ("0", "1"):
            bad(12, "трябва да е 1 (да) или 0 (не)")
        dereg_date = None
        if dereg:
            match = re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})", dereg)
            try:
                if not match:
                    raise ValueError
                dereg_date = dt.date(int(match[3]), int(match[2]), int(match[1]))
            except ValueError:
                bad(13, "датата трябва да е дд.мм.гггг")
        hours = []
        for index, value in ((14, excused), (15, unexcused)):
            if not _HOURS.fullmatch(value):
                bad(index, "часовете са във вид 0.00")
                hours.append(Decimal(0))
            else:
                try:
                    hours.append(Decimal(value.replace(",", ".")))
                except InvalidOperation:  # pragma: no cover - the regex guards it
                    bad(index, "часовете са във вид 0.00")
        if len(result.errors) > before:
            continue
        result.records.append(
            AspRecord(
                code,
                int(year),
                int(month),
                id_type or "egn",
                pid,
                first,
                middle,
                last,
                int(level),
                class_code,
                group,
                cname,
                regular == "1",
                dereg_date,
                hours[0],
                hours[1],
            )  # fmt: skip
        )
        result.line_numbers.append(number)
    return result


def import_file(school_id: int, data: bytes) -> AspImport:
    """Parse a file and compare it with the diary of this school (nothing is written: see the
    module docstring for why a received file is never written back into the diary).

    Lines of another institution are errors (a school never sees another's pupils). For each
    month in the file, pupils of the diary without a line are listed too."""
    result = parse(data)
    school = db.session.get(School, school_id)
    assert school is not None
    by_month: dict[tuple[int, int], dict[tuple[str, str], AspRecord]] = {}
    seen: dict[tuple[int, int], set[tuple[str, str]]] = {}
    students = {
        (str(id_type), personal_id): sid
        for sid, id_type, personal_id in db.session.execute(
            sa.select(Student.id, Student.personal_id_type, Student.personal_id).where(
                Student.school_id == school_id
            )
        )
    }
    for number, record in zip(result.line_numbers, result.records, strict=True):
        if record.institution != school.neispuo_code:
            result.errors.append(
                RowError(
                    number, FIELD_NAMES[0], f"файлът е на друга институция ({record.institution})"
                )
            )
            continue
        calendar_year = record.school_year if record.month >= 8 else record.school_year + 1
        month_key = (calendar_year, record.month)
        ours = by_month.get(month_key)
        if ours is None:
            ours = {
                (r.id_type, r.personal_id): r
                for r in build_records(school_id, calendar_year, record.month)
            }
            by_month[month_key] = ours
            seen[month_key] = set()
        key = (record.id_type, record.personal_id)
        seen[month_key].add(key)
        mine = ours.get(key)
        name = f"{record.first_name} {record.last_name} ({record.class_name})"
        when = f"{record.month:02d}.{calendar_year}"
        student_id = students.get(key)
        class_id = int(mine.class_code) if mine and mine.class_code.isdigit() else None
        found: tuple[str, str] | None = None
        if mine is None:
            if student_id is not None:
                found = ("not_enrolled", f"{name}, {when}: не е записан в училището през месеца")
            else:
                found = ("unknown", f"{name}, {when}: няма такъв ученик в училището")
        elif (mine.excused, mine.unexcused) != (record.excused, record.unexcused):
            found = (
                "hours",
                f"{name}, {when}: във файла {record.excused:.2f} уважителни и "
                f"{record.unexcused:.2f} неуважителни, в дневника {mine.excused:.2f} и "
                f"{mine.unexcused:.2f}",
            )
        elif mine.attends_regularly != record.attends_regularly:
            found = (
                "regular",
                f"{name}, {when}: във файла „посещава редовно“ е "
                f"{'1' if record.attends_regularly else '0'}, по дневника "
                f"{'1' if mine.attends_regularly else '0'}",
            )
        if found is None:
            result.matching += 1
        else:
            result.details.append(
                AspDifference(
                    *found, *month_key, line=number, student_id=student_id, class_id=class_id
                )
            )
    for month_key, ours in sorted(by_month.items()):
        for key, mine in ours.items():
            if key in seen[month_key]:
                continue
            result.details.append(
                AspDifference(
                    "missing",
                    f"{mine.first_name} {mine.last_name} ({mine.class_name}), "
                    f"{month_key[1]:02d}.{month_key[0]}: в дневника, а липсва във файла",
                    *month_key,
                    student_id=students.get(key),
                    class_id=int(mine.class_code) if mine.class_code.isdigit() else None,
                )
            )
    result.months = sorted(by_month)
    result.errors.sort()
    return result
