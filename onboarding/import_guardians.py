"""The parents listed beside each student: their cells checked, matched to guardians, linked.

A student row has two parents (``Родител 1``, ``Родител 2``: name, role, phone, e-mail). Writing
the list matches each parent to an existing guardian by e-mail, then by phone (never
overwriting what the guardian already has, only filling blanks), creates the missing guardians,
links them to the students, and with ``invite`` queues an ACCOUNT message asking a parent who
has no password yet to register (e-mail if known, else SMS). Bulk statements throughout: a
school's whole list is a fixed number of queries per 500 rows, not a query per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from config import clock
from models import Channel
from models import Guardian
from models import GuardianStudent
from models import NotificationOutbox
from models import NotifyEvent
from models import Relation
from models import School
from models import Student
from models import db
from onboarding.contacts import normalize_email
from onboarding.contacts import normalize_phone
from onboarding.import_plan import chunks
from onboarding.tabular import Column

RELATIONS_BG = {
    "майка": Relation.MOTHER,
    "баща": Relation.FATHER,
    "настойник": Relation.GUARDIAN,
    "попечител": Relation.GUARDIAN,
    "друг": Relation.OTHER,
    "": Relation.OTHER,
}


def parent_columns(n: int) -> list[Column]:
    p = f"Родител {n}"
    return [
        Column(f"p{n}_name", f"{p} – имена", aliases=(f"родител{n} имена", f"родител {n}"),
               doc="имена на родителя/настойника", example="Мария Иванова" if n == 1 else ""),
        Column(f"p{n}_relation", f"{p} – роля", aliases=(f"родител {n} роля",),
               doc="майка, баща, настойник или друг (празно = друг)",
               example="майка" if n == 1 else ""),
        Column(f"p{n}_phone", f"{p} – телефон", aliases=(f"родител {n} телефон",),
               doc="мобилен телефон: 0888 123 456 или +359888123456",
               example="0888123456" if n == 1 else ""),
        Column(f"p{n}_email", f"{p} – e-mail", aliases=(f"родител {n} email",),
               doc="e-mail адрес", example="maria.ivanova@example.bg" if n == 1 else ""),
    ]  # fmt: skip


def parse_parents(
    get: Callable[[str], str], fail: Callable[[str, str], None]
) -> list[dict[str, Any]]:
    """The parents of one student row (``get`` reads a cell, ``fail`` names a bad one)."""
    parents = []
    for n in (1, 2):
        name, relation = get(f"p{n}_name"), get(f"p{n}_relation").casefold()
        phone, email = get(f"p{n}_phone"), get(f"p{n}_email")
        if not (name or phone or email):
            if relation:
                fail(f"p{n}_name", "има роля, но няма имена и контакти на родителя")
            continue
        parent: dict[str, Any] = {"name": re.sub(r"\s+", " ", name)[:200]}
        if relation not in RELATIONS_BG:
            fail(f"p{n}_relation", "ролята трябва да е майка, баща, настойник или друг")
        parent["relation"] = RELATIONS_BG.get(relation, Relation.OTHER)
        parent["phone"] = None
        parent["email"] = None
        if phone:
            try:
                parent["phone"] = normalize_phone(phone)
            except ValueError as exc:
                fail(f"p{n}_phone", str(exc))
        if email:
            try:
                parent["email"] = normalize_email(email)
            except ValueError as exc:
                fail(f"p{n}_email", str(exc))
        if not (phone or email):
            fail(f"p{n}_phone", "за родителя е нужен телефон или e-mail")
        parents.append(parent)
    return parents


@dataclass
class _Parent:
    """A guardian as the import sees it: an existing row (id set) or one to insert."""

    id: int | None
    full_name: str
    email: str | None
    phone: str | None
    has_password: bool = False
    row: Guardian | None = None  # the loaded row of an existing guardian (to fill blanks)


def link_parents(school_id: int, items: list[dict[str, Any]], invite: bool) -> tuple[int, int, int]:
    """Match the listed parents to guardians (by e-mail, then phone), create the missing ones
    and link them to the students; bulk statements, no per-row round trips."""
    emails = sorted({p["email"] for i in items for p in i["parents"] if p["email"]})
    phones = sorted({p["phone"] for i in items for p in i["parents"] if p["phone"]})
    by_email: dict[str, _Parent] = {}
    by_phone: dict[str, _Parent] = {}

    def known(g: Guardian) -> _Parent:
        return _Parent(g.id, g.full_name, g.email, g.phone, g.password_hash is not None, g)

    for chunk in chunks(emails, 500):
        for g in db.session.scalars(sa.select(Guardian).where(Guardian.email.in_(chunk))):
            by_email[g.email or ""] = known(g)
    for chunk in chunks(phones, 500):
        for g in db.session.scalars(
            sa.select(Guardian).where(Guardian.phone.in_(chunk)).order_by(Guardian.id)
        ):
            by_phone.setdefault(g.phone or "", by_email.get(g.email or "") or known(g))
    student_ids = [i["student_id"] for i in items]
    links: set[tuple[int, int]] = set()
    for chunk in chunks(student_ids, 500):
        links |= {
            (guardian_id, student_id)
            for guardian_id, student_id in db.session.execute(
                sa.select(GuardianStudent.guardian_id, GuardianStudent.student_id).where(
                    GuardianStudent.student_id.in_(chunk)
                )
            )
        }
    new: list[_Parent] = []
    wanted: list[tuple[_Parent, dict[str, Any], dict[str, Any]]] = []
    for item in items:
        for p in item["parents"]:
            parent = (by_email.get(p["email"]) if p["email"] else None) or (
                by_phone.get(p["phone"]) if p["phone"] else None
            )
            if parent is None:
                parent = _Parent(None, p["name"], p["email"], p["phone"])
                new.append(parent)
            else:  # fill what the existing account lacks, never overwrite
                if p["email"] and not parent.email and p["email"] not in by_email:
                    parent.email = p["email"]
                    if parent.row is not None:
                        parent.row.email = p["email"]
                if p["phone"] and not parent.phone:
                    parent.phone = p["phone"]
                    if parent.row is not None:
                        parent.row.phone = p["phone"]
                if p["name"] and not parent.full_name:
                    parent.full_name = p["name"]
                    if parent.row is not None:
                        parent.row.full_name = p["name"]
            if p["email"]:
                by_email[p["email"]] = parent
            if p["phone"]:
                by_phone.setdefault(p["phone"], parent)
            wanted.append((parent, item, p))
    db.session.flush()
    if new:
        db.session.execute(
            Guardian.__table__.insert(),
            [{"full_name": g.full_name, "email": g.email, "phone": g.phone} for g in new],
        )
        ids_by_email: dict[str, int] = {}
        ids_by_phone: dict[str, int] = {}
        new_emails = sorted({g.email for g in new if g.email})
        new_phones = sorted({g.phone for g in new if g.phone and not g.email})
        for chunk in chunks(new_emails, 500):
            ids_by_email.update(
                {
                    e: i
                    for i, e in db.session.execute(
                        sa.select(Guardian.id, Guardian.email).where(Guardian.email.in_(chunk))
                    )
                }  # fmt: skip
            )
        for chunk in chunks(new_phones, 500):
            for i, phone in db.session.execute(
                sa.select(Guardian.id, Guardian.phone)
                .where(Guardian.phone.in_(chunk), Guardian.email.is_(None))
                .order_by(Guardian.id.desc())
            ):
                ids_by_phone[phone] = i  # the newest: the one just inserted
        for g in new:
            g.id = ids_by_email[g.email] if g.email else ids_by_phone[g.phone or ""]
    school_name = db.session.scalar(sa.select(School.name).where(School.id == school_id)) or ""
    codes: dict[int, str] = {}
    if invite:
        for chunk in chunks(student_ids, 500):
            codes.update(
                dict(
                    db.session.execute(
                        sa.select(Student.id, Student.student_code).where(Student.id.in_(chunk))
                    ).all()
                )  # fmt: skip
            )
    link_rows: list[dict[str, Any]] = []
    invites: list[dict[str, Any]] = []
    for parent, item, p in wanted:
        assert parent.id is not None
        key = (parent.id, item["student_id"])
        if key in links:
            continue
        links.add(key)
        link_rows.append(
            {
                "guardian_id": parent.id,
                "student_id": item["student_id"],
                "school_id": school_id,
                "relation": p["relation"],
            }  # fmt: skip
        )
        if invite and not parent.has_password:
            invites.append(
                _invite_row(school_id, school_name, parent, item, codes.get(item["student_id"], ""))
            )
    for chunk in chunks(link_rows, 1000):
        db.session.execute(GuardianStudent.__table__.insert(), list(chunk))
    if invites:
        db.session.execute(NotificationOutbox.__table__.insert(), invites)
    return len(new), len(link_rows), len(invites)


def _invite_row(
    school_id: int, school_name: str, guardian: _Parent, item: dict[str, Any], code: str
) -> dict[str, Any]:
    """An ACCOUNT message inviting a listed parent to register (e-mail if known, else SMS),
    rendered by the notifications catalogue (``notify.messages``) like every account message."""
    from notify import messages

    channel = Channel.EMAIL if guardian.email else Channel.SMS
    first = item["first_name"]
    if channel == Channel.EMAIL:
        text = (
            f"{school_name} вече използва Бележник: оценки, отсъствия и съобщения за {first} "
            f"по телефона и в интернет.\nРегистрирайте се в портала за родители с ИД кода на "
            f"ученика: {code}"
        )
    else:
        text = f"ИД код за {first} в Бележник: {code}. Регистрирайте се в портала или по телефона."
    payload = {"text": text, "subject": "покана за родители", "kind": "invite",
               "school": school_name, "student_first_name": first, "student_code": code}  # fmt: skip
    rendered = messages.render(NotifyEvent.ACCOUNT, channel.value, payload, latin=True)
    return dict(
        school_id=school_id,
        guardian_id=guardian.id,
        student_id=item["student_id"],
        channel=channel,
        event_type=NotifyEvent.ACCOUNT,
        object_type="invite",
        object_id=item["student_id"],
        to_address=guardian.email or guardian.phone or "",
        payload=payload,
        subject=rendered.subject,
        body=rendered.body,
        segments=rendered.segments,
        urgent=True,
        status="pending",
        due_at=clock.utc_naive(),
    )
