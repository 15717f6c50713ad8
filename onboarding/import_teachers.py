"""The staff list: teachers and administrators by e-mail, with phone, position and role.

A new address gets an account and a membership of the school; an address that already has an
account is never attached silently (its owner is invited and joins by accepting).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from models import School
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import db
from onboarding.contacts import normalize_email
from onboarding.contacts import normalize_phone
from onboarding.import_plan import ImportKind
from onboarding.import_plan import Plan
from onboarding.import_plan import header_names
from onboarding.tabular import Column
from onboarding.tabular import Table

TEACHER_COLUMNS: list[Column] = [
    Column("full_name", "Имена", True, ("име и фамилия", "имена на учителя"),
           "имена на служителя", "Росица Петрова"),
    Column("email", "E-mail", True, ("email", "електронна поща"),
           "e-mail за вход в системата (уникален)", "r.petrova@sou.example.bg"),
    Column("phone", "Телефон", False, (), "мобилен телефон", "0888765432"),
    Column("position", "Длъжност", False, (), "напр. учител по математика", "учител"),
    Column("role", "Роля", False, ("права",),
           "учител или администратор (директор, заместник, секретар); празно = учител",
           "учител"),
]  # fmt: skip

ROLES_BG = {"учител": StaffRole.TEACHER, "": StaffRole.TEACHER, "администратор": StaffRole.ADMIN,
            "директор": StaffRole.ADMIN, "заместник-директор": StaffRole.ADMIN,
            "заместник директор": StaffRole.ADMIN, "секретар": StaffRole.ADMIN}  # fmt: skip


def _unusable_password() -> str:
    """A hash of a random secret nobody knows: the account needs a set-password link first.
    (Cheap iterations are fine: the secret has 192 random bits.)"""
    return generate_password_hash(secrets.token_urlsafe(24), method="pbkdf2:sha256:1000")


def validate_teachers(table: Table, school_id: int) -> Plan:
    plan = Plan.of_table("teachers", table)
    h = header_names(table, TEACHER_COLUMNS)
    seen: dict[str, int] = {}
    members = {
        (m.staff.email.lower(), m.role): m
        for m in db.session.scalars(
            sa.select(StaffMembership).where(StaffMembership.school_id == school_id)
        )
    }
    for row, v in table.rows:
        before = len(plan.errors)
        name = re.sub(r"\s+", " ", v.get("full_name", "")).strip()
        if not name:
            plan.add(row, h["full_name"], "задължително поле")
        email = ""
        try:
            email = normalize_email(v.get("email", ""))
            if email in seen:
                plan.add(row, h["email"], f"e-mail адресът се повтаря (ред {seen[email]})")
            seen[email] = row
        except ValueError as exc:
            plan.add(row, h["email"], str(exc))
        phone = None
        if v.get("phone"):
            try:
                phone = normalize_phone(v["phone"])
            except ValueError as exc:
                plan.add(row, h["phone"], str(exc))
        role = ROLES_BG.get(v.get("role", "").strip().casefold())
        if role is None:
            plan.add(row, h["role"], "ролята трябва да е „учител“ или „администратор“")
        if len(plan.errors) > before:
            continue
        action = "same" if (email, role) in members else "new"
        plan.items.append({"row": row, "action": action, "full_name": name, "email": email,
                           "phone": phone, "position": v.get("position", "")[:100],
                           "role": role})  # fmt: skip
    plan.errors.sort()
    return plan


def commit_teachers(
    school_id: int, plan: Plan, invite: bool = False, actor_id: int | None = None, **_: Any
) -> dict[str, int]:
    """Accounts by e-mail and memberships in the school. An address without an account gets a
    new account and the membership (with ``invite``, an e-mail with a set-password link, see
    ``signup.issue_welcome``); an address that already has an account (of another school, or
    not yet in this one) is never attached silently: its owner gets an invitation
    (``gradebook.staff_accounts.invite``) and joins only by accepting it. The counts do not tell
    the two apart ("invited" counts both kinds of e-mail)."""
    from gradebook import staff_accounts

    emails = [i["email"] for i in plan.items]
    users = {
        u.email.lower(): u
        for u in db.session.scalars(
            sa.select(StaffUser).where(sa.func.lower(StaffUser.email).in_(emails))
        )
    }
    created: dict[str, StaffUser] = {}
    invited = 0
    for item in plan.items:
        if item["action"] != "new":
            continue
        user = users.get(item["email"]) or created.get(item["email"])
        if user is None:
            user = StaffUser(email=item["email"], full_name=item["full_name"],
                             password_hash=_unusable_password(),
                             phone=item["phone"], must_change_password=True)  # fmt: skip
            db.session.add(user)
            created[item["email"]] = user
            db.session.flush()
        if item["email"] in created:
            db.session.add(StaffMembership(staff_id=user.id, school_id=school_id,
                                           role=item["role"], position=item["position"]))  # fmt: skip
            continue
        invitation = staff_accounts.invite(school_id, user, item["role"], item["position"],
                                           actor_id)  # fmt: skip
        staff_accounts.log(school_id, actor_id, "staff_invite", invitation,
                           after={"staff_id": user.id, "email": user.email,
                                  "role": item["role"].value, "import": True})  # fmt: skip
        invited += 1
    if invite:
        from onboarding.signup import issue_welcome

        school_name = db.session.scalar(sa.select(School.name).where(School.id == school_id)) or ""
        members_here = set(
            db.session.scalars(
                sa.select(StaffMembership.staff_id).where(StaffMembership.school_id == school_id)
            )
        )
        for user in {id(u): u for u in [*users.values(), *created.values()]}.values():
            if user.id in members_here and user.last_login_at is None and user.must_change_password:
                issue_welcome(user, school_id, subject="вашият профил",
                              intro=f"{school_name} ви създаде профил в Бележник.",
                              object_type="staff", object_id=user.id)  # fmt: skip
                invited += 1
    db.session.commit()
    return {"new": plan.count("new"), "unchanged": plan.count("same"), "invited": invited}


KIND = ImportKind(
    "teachers", "Учители и служители", TEACHER_COLUMNS, validate_teachers, commit_teachers, 1
)
