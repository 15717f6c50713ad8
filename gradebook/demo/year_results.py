"""Demo data of the year's sections, per school:

* a preparatory group "ПГ" (grade level 0) of twelve six-year-olds, its teacher (the first
  teacher who is no class teacher), its subjects (the образователни направления of Наредба № 5
  /2016 за предучилищното образование) and the daily attendance of every school day of the year
  up to the demo's today — mostly present, a few excused days (illness, family) and one child
  with four unexcused days (at risk of dropping out), two days excused on the demo parent's
  confirmed note; the results at the start of the year in
  every subject; a parent of one child (``roditel.pg@…``, the demo password and PIN);
* in every finished year (the history, and the current one once it has annual grades): first
  grade's overall annual result from the mean of each pupil's grades of the year, and the annual
  results of V–XII suggested by :func:`rules.suggest_result` — every pupil with a Слаб 2 sits the
  retake exams, passed in the first session, so the final result is "завършва" (the demo's
  annual grades give a few dozen such pupils a school).

A few hundred rows a school, inserted in bulk; every date is a past school day."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from gradebook import rules
from gradebook.demo.data import make_egn
from gradebook.demo.loader import GRADE_COLUMNS
from gradebook.demo.loader import Ids
from gradebook.demo.loader import write_dicts
from gradebook.timetable import non_school_day
from models import Curriculum
from models import Enrollment
from models import ExcuseReason
from models import FirstGradeResult
from models import Grade
from models import GradeKind
from models import GradeResult
from models import GradeResultSubject
from models import Guardian
from models import GuardianStudent
from models import NoteChannel
from models import NoteStatus
from models import ParentNote
from models import PgAttendance
from models import PgResult
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import Student
from models import Subject
from models import db

PG_AREAS = (
    "Български език и литература",
    "Математика",
    "Околен свят",
    "Изобразително изкуство",
    "Музика",
    "Конструиране и технологии",
    "Физическа култура",
)
CHILDREN = (
    ("Мария", "Иванова", "F"),
    ("Георги", "Петров", "M"),
    ("Виктория", "Стоянова", "F"),
    ("Александър", "Димитров", "M"),
    ("Никол", "Георгиева", "F"),
    ("Мартин", "Николов", "M"),
    ("Елена", "Костова", "F"),
    ("Даниел", "Тодоров", "M"),
    ("Радост", "Маринова", "F"),
    ("Калоян", "Христов", "M"),
    ("Ивайла", "Ангелова", "F"),
    ("Теодор", "Василев", "M"),
)
START_RESULTS = (
    "Назовава предмети и действия; разказва кратко по картинка.",
    "Брои до 10, сравнява групи предмети; различава кръг, квадрат и триъгълник.",
    "Назовава сезоните и познава домашни и диви животни.",
    "Рисува с удоволствие; използва основните цветове.",
    "Пее кратки песни; разпознава бавно и бързо темпо.",
    "Сгъва и лепи по показан образец.",
    "Ходи и бяга в колона; хвърля и лови топка.",
)
NOTE_COMMENT = "по уважителни причини, с бележка от родител"  # as parent_notes writes it
AT_RISK_CHILD = 5  # the sixth child: four unexcused days


def _current_year(school_id: int) -> SchoolYear | None:
    return db.session.scalar(
        sa.select(SchoolYear).where(
            SchoolYear.school_id == school_id, SchoolYear.is_current.is_(True)
        )
    )


def build_year_results(
    school_id: int,
    today: dt.date,
    ids: Ids,
    counts: dict[str, int] | None = None,
    grades: Iterable[Sequence[Any]] | None = None,
) -> None:
    """``ids``: the loader's own ids (classes, subjects, pupils, parents get theirs from it);
    ``counts``: the loader's row counts per table, to which the new pupils are added;
    ``grades``: every grade of the school as the generator wrote it (``GRADE_COLUMNS`` tuples),
    read from the database when not given."""
    year = _current_year(school_id)
    if year is None:
        return
    made = _preparatory_group(school_id, year, today, ids)
    if counts is not None:
        for table, n in made.items():
            counts[table] = counts.get(table, 0) + n
    # a year without annual grades yet (the current one before its end) gets no results
    known = YearGrades(grades) if grades is not None else YearGrades.read(school_id)
    for any_year in list(
        db.session.scalars(sa.select(SchoolYear).where(SchoolYear.school_id == school_id))
    ):
        _annual_results(school_id, any_year, known)


def _free_teacher(school_id: int, year_id: int) -> int | None:
    homeroom = sa.select(SchoolClass.class_teacher_id).where(
        SchoolClass.school_year_id == year_id, SchoolClass.class_teacher_id.is_not(None)
    )
    return db.session.scalar(
        sa.select(StaffMembership.staff_id)
        .where(
            StaffMembership.school_id == school_id,
            StaffMembership.role == "teacher",
            StaffMembership.staff_id.not_in(homeroom),
        )
        .order_by(StaffMembership.staff_id)
    )


def _preparatory_group(
    school_id: int, year: SchoolYear, today: dt.date, ids: Ids
) -> dict[str, int]:
    teacher = _free_teacher(school_id, year.id)
    if teacher is None or today < year.starts_on:
        return {}
    rng = random.Random(f"pg/{school_id}")
    klass = SchoolClass(
        id=ids.take("school_class"),
        school_id=school_id,
        school_year_id=year.id,
        grade_level=0,
        name="ПГ",
        class_teacher_id=teacher,
        shift=1,
    )
    db.session.add(klass)
    db.session.flush()
    subjects = {
        s.name: s
        for s in db.session.scalars(sa.select(Subject).where(Subject.school_id == school_id))
    }
    rows = []
    for name in PG_AREAS:
        subject = subjects.get(name)
        if subject is None:
            subject = Subject(id=ids.take("subject"), school_id=school_id, name=name)
            db.session.add(subject)
            db.session.flush()
        rows.append(
            Curriculum(
                id=ids.take("curriculum"),
                school_id=school_id,
                class_id=klass.id,
                subject_id=subject.id,
                teacher_id=teacher,
                hours_term1=0,  # a group has no lesson timetable
                hours_term2=0,
            )
        )
    db.session.add_all(rows)
    born = dt.date(year.starts_on.year - 6, 3, 1)
    children = []
    egns: set[str] = set()
    for number, (first, last, gender) in enumerate(CHILDREN, start=1):
        code = rules.new_student_code(rng)
        while code in ids.codes:
            code = rules.new_student_code(rng)
        ids.codes.add(code)
        birth = born + dt.timedelta(days=rng.randrange(300))
        egn = make_egn(rng, birth, gender == "F")
        while egn in egns:  # the group's children are born in one year: unique among them
            egn = make_egn(rng, birth, gender == "F")
        egns.add(egn)
        child = Student(
            id=ids.take("student"),
            school_id=school_id,
            first_name=first,
            last_name=last,
            gender=gender,
            birth_date=birth,
            personal_id_type="egn",
            personal_id=egn,
            student_code=code,
        )
        children.append((number, child))
    db.session.add_all([c for _, c in children])
    db.session.flush()
    db.session.add_all(
        Enrollment(
            school_id=school_id,
            student_id=c.id,
            class_id=klass.id,
            class_number=n,
            enrolled_on=year.starts_on,
        )
        for n, c in children
    )
    parent_id = _pg_parent(school_id, children[0][1], ids)
    days = [
        year.starts_on + dt.timedelta(days=i)
        for i in range((min(today - dt.timedelta(days=1), year.ends_on) - year.starts_on).days + 1)
    ]
    days = [d for d in days if d.weekday() < 5 and non_school_day(year, d, 0) is None]
    # the demo parent's note, confirmed: two days of the week before last, excused on it
    noted = days[-7:-5] if parent_id is not None and len(days) >= 7 else []
    marks = []
    for index, (_n, child) in enumerate(children):
        unexcused = set(rng.sample(days, min(4, len(days)))) if index == AT_RISK_CHILD else set()
        for day in days:
            roll = rng.random()
            if index == 0 and day in noted:
                kind, reason, comment = 3, ExcuseReason.FAMILY, NOTE_COMMENT
            elif day in unexcused:
                kind, reason, comment = 2, None, ""
            elif roll < 0.05:
                kind, reason, comment = 3, ExcuseReason.HEALTH, "медицинска бележка"
            elif roll < 0.065:
                kind, reason, comment = 3, ExcuseReason.FAMILY, "по молба на родителя"
            else:
                kind, reason, comment = 1, None, ""
            marks.append(
                {
                    "school_id": school_id,
                    "school_year_id": year.id,
                    "class_id": klass.id,
                    "student_id": child.id,
                    "date": day,
                    "kind": kind,
                    "excuse_reason": reason,
                    "excuse_comment": comment,
                    "teacher_id": teacher,
                }
            )
    write_dicts(PgAttendance, marks)  # COPY on PostgreSQL: a few hundred rows a school
    if noted:
        db.session.add(
            ParentNote(
                school_id=school_id,
                school_year_id=year.id,
                student_id=children[0][1].id,
                guardian_id=parent_id,
                starts_on=noted[0],
                ends_on=noted[-1],
                reason=ExcuseReason.FAMILY,
                comment="На гости при баба в Пловдив.",
                channel=NoteChannel.PORTAL,
                status=NoteStatus.CONFIRMED,
                days_counted=len(noted),
                decided_by=teacher,
                decided_at=dt.datetime.combine(noted[0], dt.time(8, 30)),
            )
        )
    if today >= year.starts_on + dt.timedelta(days=14):
        db.session.add_all(
            PgResult(
                school_id=school_id,
                school_year_id=year.id,
                class_id=klass.id,
                student_id=child.id,
                subject_id=curriculum.subject_id,
                start_result=START_RESULTS[i],
                author_id=teacher,
            )
            for _n, child in children
            for i, curriculum in enumerate(rows)
        )
    db.session.flush()
    return {
        "school_class": 1,
        "curriculum": len(rows),
        "student": len(children),
        "enrollment": len(children),
        "pg_attendance": len(marks),
    }


def _pg_parent(school_id: int, child: Student, ids: Ids) -> int | None:
    """A parent of the first child, signing in with the demo parents' password and PIN."""
    model = db.session.scalar(
        sa.select(Guardian)
        .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
        .where(GuardianStudent.school_id == school_id, Guardian.email.like("roditel1@%"))
    )
    if model is None or model.email is None:
        return None
    domain = model.email.split("@", 1)[1]
    parent = Guardian(
        id=ids.take("guardian"),
        full_name="Десислава Иванова",
        email=f"roditel.pg@{domain}",
        phone=f"+3598870{school_id:05d}",
        password_hash=model.password_hash,
        pin_hash=model.pin_hash,
        email_verified_at=model.email_verified_at,
        phone_verified_at=model.phone_verified_at,
    )
    db.session.add(parent)
    db.session.flush()
    db.session.add(
        GuardianStudent(
            guardian_id=parent.id, student_id=child.id, school_id=school_id, relation="mother"
        )
    )
    return int(parent.id)


class YearGrades:
    """What the year results read of a school's grades, per school year: which years have
    annual grades, every graded value of each pupil (first grade's overall result is their mean)
    and each pupil's annual grade per curriculum. Built from the generator's own grade tuples
    (``GRADE_COLUMNS`` order) when it has them, else read in one query per school: during a bulk
    load the grade table has no indexes, and a read per class or pupil scanned it whole."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self.finished: set[int] = set()
        self.values: dict[tuple[int, int], list[Decimal]] = {}
        self.annual: dict[tuple[int, int], dict[int, int]] = {}
        for row in rows:
            year_id, sid, cid, kind, value = (
                row[_YEAR],
                row[_STUDENT],
                row[_CURRICULUM],
                row[_KIND],
                row[_VALUE],
            )
            if value is None:
                continue
            self.values.setdefault((year_id, sid), []).append(value)
            if kind == GradeKind.ANNUAL:  # a str enum: the generator's "annual" is equal
                self.finished.add(year_id)
                self.annual.setdefault((year_id, sid), {})[cid] = int(value)

    @classmethod
    def read(cls, school_id: int) -> YearGrades:
        return cls(
            db.session.execute(
                sa.select(*(getattr(Grade, c) for c in GRADE_COLUMNS[: _VALUE + 1])).where(
                    Grade.school_id == school_id
                )
            )
        )


_YEAR, _STUDENT, _CURRICULUM, _KIND, _VALUE = (
    GRADE_COLUMNS.index(c)
    for c in ("school_year_id", "student_id", "curriculum_id", "kind", "value")
)


def _annual_results(school_id: int, year: SchoolYear, grades: YearGrades) -> None:
    """First grade's overall results and the annual results of V–XII of a finished year."""
    from gradebook import year_results

    if year.id not in grades.finished:  # no annual grades yet: the year is not over
        return
    classes = list(
        db.session.scalars(
            sa.select(SchoolClass).where(
                SchoolClass.school_id == school_id, SchoolClass.school_year_id == year.id
            )
        )
    )
    members_of: dict[int, list[int]] = {}
    for class_id, sid in db.session.execute(
        sa.select(Enrollment.class_id, Enrollment.student_id)
        .where(Enrollment.class_id.in_([k.id for k in classes] or [0]))
        .order_by(Enrollment.class_id, Enrollment.class_number)
    ):
        members_of.setdefault(class_id, []).append(sid)
    curricula_of: dict[int, list[int]] = {}
    for class_id, cid in db.session.execute(
        sa.select(Curriculum.class_id, Curriculum.id)
        .where(Curriculum.class_id.in_([k.id for k in classes] or [0]))
        .order_by(Curriculum.id)
    ):
        curricula_of.setdefault(class_id, []).append(cid)
    firsts: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    retakes: list[dict[str, Any]] = []
    next_id = (db.session.scalar(sa.select(sa.func.max(GradeResult.id))) or 0) + 1
    for klass in classes:
        members = members_of.get(klass.id, [])
        if klass.grade_level == 1:
            for sid in members:
                values = grades.values.get((year.id, sid))
                if values:
                    firsts.append(
                        dict(
                            school_id=school_id,
                            school_year_id=year.id,
                            class_id=klass.id,
                            student_id=sid,
                            qualitative=rules.whole_mark(sum(values) / len(values)),
                            author_id=klass.class_teacher_id,
                        )
                    )
        elif rules.has_section(klass.grade_level, "grade_results"):
            curricula = curricula_of.get(klass.id, [])
            for sid in members:
                marks = grades.annual.get((year.id, sid), {})
                suggestion = rules.suggest_result({cid: marks.get(cid) for cid in curricula})
                if suggestion.result is None:
                    continue
                subjects = [
                    dict(
                        school_id=school_id,
                        grade_result_id=next_id,
                        curriculum_id=c,
                        session1_grade=4,
                    )
                    for c in suggestion.retake
                ]
                final = None
                if suggestion.retake:  # the use-case's own rule, on an unsaved row
                    sketch = GradeResult(
                        subjects=[
                            GradeResultSubject(**{**r, "grade_result_id": None}) for r in subjects
                        ]
                    )
                    final = year_results.suggested_final(sketch) or rules.RESULT_COMPLETES
                results.append(
                    dict(
                        id=next_id,
                        school_id=school_id,
                        school_year_id=year.id,
                        class_id=klass.id,
                        student_id=sid,
                        initial=suggestion.result,
                        final=final,
                        author_id=klass.class_teacher_id,
                    )
                )
                retakes += subjects
                next_id += 1
    # in bulk: a few hundred rows a school, where the ORM's unit of work took most of the step
    write_dicts(FirstGradeResult, firsts)
    write_dicts(GradeResult, results)
    write_dicts(GradeResultSubject, retakes)
    if results and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('grade_result', 'id'), :v, false)"),
            {"v": next_id},
        )
