"""One demo school: its staff, subjects, bells, classes, pupils and parents, the current year's
grades, absences, remarks, health notes, tests, events and meetings, and its past years."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from gradebook import rules
from gradebook.demo.classes import Staff
from gradebook.demo.classes import add_subject
from gradebook.demo.classes import add_year
from gradebook.demo.classes import build_classes
from gradebook.demo.classes import enrol
from gradebook.demo.classes import specialists_needed
from gradebook.demo.data import BELLS
from gradebook.demo.data import DEMO_PASSWORD
from gradebook.demo.data import DEMO_PIN
from gradebook.demo.data import FAMILY
from gradebook.demo.data import FATHER_NAMES
from gradebook.demo.data import FEMALE_FIRST
from gradebook.demo.data import HEALTH
from gradebook.demo.data import MALE_FIRST
from gradebook.demo.data import PRAISES
from gradebook.demo.data import REMARKS
from gradebook.demo.data import TEACHER_POOL
from gradebook.demo.data import TEACHERS_ALWAYS
from gradebook.demo.data import curriculum_for
from gradebook.demo.data import feminine
from gradebook.demo.data import make_egn
from gradebook.demo.data import school_days_between
from gradebook.demo.data import school_year_bounds
from gradebook.demo.loader import GRADE_COLUMNS
from gradebook.demo.loader import ORDER
from gradebook.demo.loader import Ids
from gradebook.demo.loader import Rows
from gradebook.demo.loader import write_dicts
from gradebook.demo.loader import write_rows
from gradebook.demo.year import build_past_year
from gradebook.demo.year import grades_and_absences
from models import BellTime
from models import Event
from models import Grade
from models import Guardian
from models import GuardianStudent
from models import HealthNote
from models import ParentMeeting
from models import Remark
from models import School
from models import StaffMembership
from models import StaffUser
from models import Student

PRIMARY_TEACHERS = 12


@dataclass
class DemoResult:
    schools: list[int] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # role, e-mail, password
    phone_parents: list[dict[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def build_school(
    number: int,
    rng: random.Random,
    history: random.Random,
    ids: Ids,
    today: dt.date,
    per_class: int,
    levels: tuple[int, ...],
    history_years: int,
    password_hash: str,
    pin_hash: str,
    result: DemoResult,
) -> list[tuple[Any, ...]]:
    """Build and write one school; returns its grades as written (``GRADE_COLUMNS`` tuples), from
    which the year results are computed without reading them back."""
    rows = Rows()
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
    year_id, holidays = add_year(add, ids, school_id, today, current=True)

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
    # primary teachers (the first 12), then specialists: at least the usual 28, more when the
    # lessons of this year's (and the past years') classes need them
    sections = [(level, s) for level in levels for s in range(3 if 5 <= level <= 10 else 2)]
    years = [
        [(lv - back, s) for lv, s in sections if lv - back >= 1]
        for back in range(0, 1 + history_years)
    ]
    needed = specialists_needed(years)
    hired = min(len(TEACHER_POOL), max(TEACHERS_ALWAYS, PRIMARY_TEACHERS + sum(needed.values())))
    teachers: list[int] = []
    for i, (first_name, last_name, _sex) in enumerate(TEACHER_POOL[:hired], start=1):
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
    staff = Staff(teachers[:PRIMARY_TEACHERS], teachers[PRIMARY_TEACHERS:], needed=needed)

    # subjects ----------------------------------------------------------------------------------
    all_names = sorted({n.rstrip("*") for lv in levels for n, _ in curriculum_for(lv)})
    for name in all_names:
        add_subject(add, ids, school_id, staff, name)

    for shift, bells in BELLS.items():
        for period, (a, b) in enumerate(bells, start=1):
            add(BellTime, school_id=school_id, shift=shift, period=period, starts_at=a, ends_at=b)

    # classes, curriculum, timetable -----------------------------------------------------------
    year = build_classes(rng, add, ids, school_id, year_id, sections, staff)
    classes = year.classes

    # students, parents -------------------------------------------------------------------------
    school_days = school_days_between(start, min(today, end), holidays)
    taken_egns: set[str] = set()
    students_by_class: dict[int, list[tuple[int, float]]] = {}
    parent_serial = 0
    demo_parents: list[int] = []
    for cls in classes:
        level = cls["grade_level"]
        people = []
        for _ in range(max(1, per_class + rng.randrange(-2, 3))):  # never an empty class
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
            people.append((last, first_name, middle, female, father))
        people.sort()
        students_by_class[cls["id"]] = []
        for n, (last, first_name, middle, female, father) in enumerate(people, start=1):
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
            enrol(add, school_id, sid, cls, n, start)
            ability = min(6.0, max(2.6, rng.gauss(4.7, 0.8)))
            students_by_class[cls["id"]].append((sid, ability))
            # about one parent in three has an account: enough to exercise every path
            if rng.random() < 0.33 or n <= 2:
                parent_serial += 1
                gid = ids.take("guardian")
                mother = rng.random() < 0.6
                chosen = rng.choice(FEMALE_FIRST if mother else MALE_FIRST)
                parent_first = chosen if mother else father  # the patronymic names the father
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
        grades_and_absences(
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
        # the class's tests are planned by gradebook/demo/exams.py (the tests schedule)
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
        build_past_year(history, rows, ids, school_id, staff, today, back, year, students_by_class)

    for model in ORDER:
        if model is Grade:
            write_rows(Grade, GRADE_COLUMNS, rows.grades)
            count = len(rows.grades)
        else:
            batch = rows.dicts.get(model, [])
            write_dicts(model, batch)
            count = len(batch)
        result.counts[model.__tablename__] = result.counts.get(model.__tablename__, 0) + count
    result.schools.append(school_id)
    return rows.grades


#: Class works (класни работи) are written in Bulgarian, mathematics and a foreign language, not
#: in art or physical education: the demo's tests schedule keeps to that (``demo/exams.py``).
CLASS_WORK_SUBJECTS = ("Български език и литература", "Математика", "Английски език")
