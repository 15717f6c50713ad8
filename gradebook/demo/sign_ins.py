"""The demo's sign-ins and phone parents, read back from the database, so that ``make run``
prints them on every start (not only on the first, when the demo is built) — the same lines
the README names."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from gradebook.demo.data import DEMO_PASSWORD
from gradebook.demo.data import DEMO_PIN
from gradebook.demo.data import OPERATOR_EMAIL
from models import Enrollment
from models import Guardian
from models import GuardianStudent
from models import SchoolClass
from models import StaffUser
from models import Student
from models import db

DOMAIN = "sou1.demo.bg"
STAFF = (
    ("директор", f"direktor@{DOMAIN}"),
    ("класен ръководител", f"uchitel1@{DOMAIN}"),
    ("учител по предмет", f"uchitel13@{DOMAIN}"),
    ("оператор", OPERATOR_EMAIL),
)
PARENTS = (f"roditel1@{DOMAIN}", f"roditel2@{DOMAIN}")


@dataclass(frozen=True)
class PhoneParent:
    name: str
    phone: str
    code: str
    children: list[str]


def sign_ins() -> list[tuple[str, str, str]]:
    """(role, e-mail, password) of the demo accounts that exist in this database."""
    emails = {e for _, e in STAFF}
    staff = set(db.session.scalars(sa.select(StaffUser.email).where(StaffUser.email.in_(emails))))
    parents = set(db.session.scalars(sa.select(Guardian.email).where(Guardian.email.in_(PARENTS))))
    return [(role, email, DEMO_PASSWORD) for role, email in STAFF if email in staff] + [
        ("родител", email, DEMO_PASSWORD) for email in PARENTS if email in parents
    ]


def phone_parents() -> list[PhoneParent]:
    """The two demo parents as the phone line knows them: number, a child's code, the PIN."""
    out = []
    for email in PARENTS:
        guardian = db.session.scalar(sa.select(Guardian).where(Guardian.email == email))
        if guardian is None or not guardian.phone:
            continue
        students = db.session.scalars(
            sa.select(Student)
            .join(GuardianStudent, GuardianStudent.student_id == Student.id)
            .where(GuardianStudent.guardian_id == guardian.id)
            .order_by(Student.id)
        ).all()
        children = []
        for student in students:
            klass = db.session.scalar(  # this year's class: the newest enrollment
                sa.select(SchoolClass.name)
                .join(Enrollment, Enrollment.class_id == SchoolClass.id)
                .where(Enrollment.student_id == student.id)
                .order_by(SchoolClass.school_year_id.desc())
                .limit(1)
            )
            name = f"{student.first_name} {student.last_name}"
            children.append(f"{name}, {klass} клас" if klass else name)
        if students:
            out.append(
                PhoneParent(guardian.full_name, guardian.phone, students[0].student_code, children)
            )
    return out


def lines() -> list[str]:
    """What ``flask demo`` prints after building and on every later start."""
    out = [f"\nВход в системата (парола за всички демо профили: {DEMO_PASSWORD}):"]
    out += [f"  {role:19} {email}" for role, email, _ in sign_ins()]
    out.append("\nТелефонна линия (симулатор: /ivr/simulator):")
    for p in phone_parents():
        out.append(
            f"  {p.name}: обаждане от {p.phone}, ИД код {p.code}, ПИН {DEMO_PIN} — "
            + " и ".join(p.children)
        )
    return out
