"""People and their codes: pupils (create, edit, move to another class, leave school), their
random ID codes, the link to a guardian and the guardian's PIN, the history of a record and the
staff's own password."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from config import clock
from gradebook import rules
from gradebook.core import Actor
from gradebook.core import Invalid
from gradebook.core import NotFound
from gradebook.core import admin_delete
from gradebook.core import atomic
from gradebook.core import audit
from gradebook.core import check_fields
from gradebook.core import commit_refreshed
from gradebook.core import get_in_school
from gradebook.core import parse_choice
from gradebook.core import parse_date
from gradebook.core import reason_required
from gradebook.core import require_admin
from gradebook.core import snapshot
from gradebook.messages import msg
from models import AlertChannel
from models import Enrollment
from models import Guardian
from models import GuardianStudent
from models import Relation
from models import SchoolClass
from models import StaffUser
from models import Student
from models import db


def regenerate_student_code(actor: Actor, student_id: int) -> str:
    """A new parent-access code (the old one stops working at once). Audited."""

    def work() -> str:
        require_admin(actor)
        student = get_in_school(Student, student_id, actor.school_id)
        for _ in range(20):
            code = rules.new_student_code()
            taken = db.session.scalar(sa.select(Student.id).where(Student.student_code == code))
            if taken is None:
                break
        else:  # pragma: no cover - 10^9 codes
            raise Invalid(msg("student.code_failed"))
        before = {"code_issued_at": student.code_issued_at.isoformat()}
        student.student_code = code
        student.code_issued_at = clock.utc_naive()
        audit(
            actor,
            "code",
            student,
            before=before,
            after={"code_issued_at": student.code_issued_at.isoformat()},
            student_id=student.id,
            reason="student code regenerated",
        )
        commit_refreshed()
        return code

    return atomic(work)


def reset_guardian_pin(actor: Actor, guardian_id: int) -> None:
    """The "new PIN" for a parent of this school's students: a one-time set-PIN link goes by SMS to
    the parent's verified phone (:func:`notify.families.send_pin_link`); no PIN is ever shown.
    Refused for a parent with children in another school or without a verified phone. Audited."""

    def work() -> None:
        require_admin(actor)
        from notify.families import send_pin_link
        from notify.operations import AccountError

        guardian = db.session.get(Guardian, guardian_id)
        link = db.session.scalar(
            sa.select(GuardianStudent).where(
                GuardianStudent.guardian_id == guardian_id,
                GuardianStudent.school_id == actor.school_id,
            )
        )
        if guardian is None or link is None:
            raise NotFound(msg("common.not_found"))
        try:
            send_pin_link(actor.school_id, actor.staff_id, guardian)
        except AccountError as exc:
            raise Invalid(exc.message_bg) from None
        audit(
            actor,
            "pin_reset",
            guardian,
            before=None,
            after=None,
            student_id=link.student_id,
            object_type="guardian",
        )
        commit_refreshed()

    atomic(work)


def change_own_password(staff: StaffUser, new_password: str) -> None:
    if len(new_password or "") < 10:
        raise Invalid(msg("password.too_short"), {"password": msg("password.too_short_field")})
    staff.password_hash = generate_password_hash(new_password)
    staff.must_change_password = False
    db.session.commit()


def save_own_profile(actor: Actor, *, phone: str, alert_channel: str) -> StaffUser:
    """A staff member's own mobile number and how urgent news reaches them at once (SMS,
    e-mail or both: a parent's "I did not know" in a "not at school" call). Audited."""
    from notify.contacts import normalize_phone

    staff = db.session.get(StaffUser, actor.staff_id)
    if staff is None:
        raise NotFound(msg("common.not_found"))
    number = normalize_phone(phone) if phone.strip() else None
    errors = {}
    if phone.strip() and number is None:
        errors["phone"] = msg("profile.phone_invalid")
    elif alert_channel == AlertChannel.SMS and number is None:
        errors["phone"] = msg("profile.phone_needed")
    if alert_channel not in {c.value for c in AlertChannel}:
        errors["alert_channel"] = msg("profile.channel_invalid")
    if errors:
        raise Invalid(next(iter(errors.values())), errors)
    before = {"phone": staff.phone, "alert_channel": str(staff.alert_channel)}
    staff.phone, staff.alert_channel = number, AlertChannel(alert_channel)
    audit(actor, "update", staff, before=before,
          after={"phone": number, "alert_channel": alert_channel})  # fmt: skip
    db.session.commit()
    return staff


def _next_class_number(class_id: int) -> int:
    used = db.session.scalar(
        sa.select(sa.func.max(Enrollment.class_number)).where(Enrollment.class_id == class_id)
    )
    return (used or 0) + 1


def save_student(
    actor: Actor,
    *,
    first_name: str,
    middle_name: str,
    last_name: str,
    personal_id_type: str,
    personal_id: str,
    class_id: int | None,
    class_number: int | None = None,
    sop: bool = False,
    student_id: int | None = None,
) -> Student:
    """Add a student to a class (admin), or edit the personal data of one."""

    def work() -> Student:
        require_admin(actor)
        errors: dict[str, str] = {}
        names = {}
        for key, value, required in (
            ("first_name", first_name, True),
            ("middle_name", middle_name, False),
            ("last_name", last_name, True),
        ):
            text = (value or "").strip()
            if required and not text:
                errors[key] = msg("common.required")
            elif len(text) > 100:
                errors[key] = msg("common.max_100_chars")
            names[key] = text
        pid = (personal_id or "").strip() or None
        if personal_id_type not in rules.PERSONAL_ID_KINDS:
            errors["personal_id_type"] = msg("student.choose_id_kind")
        elif pid:
            try:
                rules.validate_personal_id(personal_id_type, pid)
            except rules.RuleError as exc:
                errors["personal_id"] = exc.message_bg
        if pid and not errors.get("personal_id"):
            clash = db.session.scalar(
                sa.select(Student.id).where(
                    Student.school_id == actor.school_id,
                    Student.personal_id == pid,
                    Student.id != (student_id or 0),
                )
            )
            if clash:
                errors["personal_id"] = msg("student.duplicate_id")
        klass = None
        if student_id is None:
            if not class_id:
                errors["class_id"] = msg("common.choose_class")
            else:
                klass = get_in_school(SchoolClass, class_id, actor.school_id)
        if class_number is not None and klass is not None:
            taken = db.session.scalar(
                sa.select(Enrollment.id).where(
                    Enrollment.class_id == klass.id, Enrollment.class_number == class_number
                )
            )
            if taken or not 1 <= class_number <= 99:
                errors["class_number"] = msg("student.number_taken")
        check_fields(errors)
        if student_id is None:
            assert klass is not None
            student = Student(
                school_id=actor.school_id,
                personal_id_type=personal_id_type,
                personal_id=pid,
                student_code=_free_code(),
                sop=sop,
                **names,
            )
            db.session.add(student)
            db.session.flush()
            enrollment = Enrollment(
                school_id=actor.school_id,
                student_id=student.id,
                class_id=klass.id,
                class_number=class_number or _next_class_number(klass.id),
                enrolled_on=clock.today(),
            )
            db.session.add(enrollment)
            db.session.flush()
            audit(actor, "create", student, before=None, after=_student_audit(student))
        else:
            student = get_in_school(Student, student_id, actor.school_id)
            before = _student_audit(student)
            for key, value in names.items():
                setattr(student, key, value)
            student.personal_id_type = personal_id_type  # type: ignore[assignment]
            student.personal_id = pid
            student.sop = sop
            db.session.flush()
            audit(actor, "update", student, before=before, after=_student_audit(student))
        commit_refreshed()
        return student

    return atomic(work)


def _student_audit(student: Student) -> dict[str, Any]:
    data = snapshot(student)
    data.pop("student_code", None)  # a secret: never in the audit trail
    if data.get("personal_id"):
        data["personal_id"] = "***" + str(data["personal_id"])[-2:]
    return data


def _free_code() -> str:
    while True:
        code = rules.new_student_code()
        if db.session.scalar(sa.select(Student.id).where(Student.student_code == code)) is None:
            return code


def move_student(
    actor: Actor, student_id: int, *, class_id: int, date: str | dt.date, reason: str = ""
) -> Enrollment:
    """Move a student to another class of the school from ``date`` (keeps the history)."""

    def work() -> Enrollment:
        require_admin(actor)
        student = get_in_school(Student, student_id, actor.school_id)
        target = get_in_school(SchoolClass, class_id, actor.school_id)
        day = parse_date(date)
        current = db.session.scalar(
            sa.select(Enrollment).where(
                Enrollment.student_id == student.id, Enrollment.left_on.is_(None)
            )
        )
        if current is not None and current.class_id == target.id:
            raise Invalid(
                msg("student.already_in_class"), {"class_id": msg("student.choose_other_class")}
            )
        before = {"class_id": current.class_id if current else None}
        if current is not None:
            current.left_on = day
            current.left_reason = (reason or "преместен")[:200]
        enrollment = Enrollment(
            school_id=actor.school_id,
            student_id=student.id,
            class_id=target.id,
            class_number=_next_class_number(target.id),
            enrolled_on=day,
        )
        db.session.add(enrollment)
        db.session.flush()
        audit(
            actor,
            "move",
            student,
            before=before,
            after={"class_id": target.id},
            student_id=student.id,
            reason=reason,
        )
        commit_refreshed()
        return enrollment

    return atomic(work)


def student_leaves(actor: Actor, student_id: int, *, date: str | dt.date, reason: str) -> None:
    def work() -> None:
        require_admin(actor)
        student = get_in_school(Student, student_id, actor.school_id)
        why = reason_required(reason)
        day = parse_date(date)
        current = db.session.scalar(
            sa.select(Enrollment).where(
                Enrollment.student_id == student.id, Enrollment.left_on.is_(None)
            )
        )
        if current is None:
            raise Invalid(msg("student.no_longer_enrolled"))
        current.left_on, current.left_reason = day, why[:200]
        audit(
            actor,
            "leave",
            student,
            before={"class_id": current.class_id},
            after={"left_on": day.isoformat()},
            student_id=student.id,
            reason=why,
        )
        commit_refreshed()

    atomic(work)


def link_guardian(actor: Actor, student_id: int, *, contact: str, relation: str) -> str:
    """Record a parent (by e-mail or phone) for a student of the school. A new contact becomes a
    new parent record, linked at once; the school's own credential-less record is linked at once;
    any other existing parent (a portal account, a PIN, children in another school) is sent an
    invitation and the link exists only when they confirm (:mod:`notify.families`). Returns
    "linked" or "invited"."""

    def work() -> str:
        require_admin(actor)
        from notify import families
        from notify.operations import AccountError
        from notify.operations import find_guardian_by_contact

        student = get_in_school(Student, student_id, actor.school_id)
        the_relation = parse_choice(
            Relation, relation, "relation", msg("common.choose"), msg("guardian.choose_relation")
        )
        guardian = find_guardian_by_contact(contact)
        if guardian is None:
            text = (contact or "").strip()
            try:
                families.create_and_link_guardian(
                    school_id=actor.school_id,
                    student_id=student.id,
                    full_name="",
                    phone=None if "@" in text else text,
                    email=text if "@" in text else None,
                    relation=the_relation,
                    actor_id=actor.staff_id,
                )
            except AccountError as exc:
                raise Invalid(exc.message_bg, {"contact": exc.message_bg}) from None
            outcome = "linked"
        else:
            outcome = families.school_link(
                student=student,
                guardian=guardian,
                relation=the_relation,
                actor_id=actor.staff_id,
                contact=contact,
            )
        if outcome == "already":
            raise Invalid(
                msg("guardian.already_linked"), {"contact": msg("guardian.already_linked_field")}
            )
        commit_refreshed()
        return outcome

    return atomic(work)


def unlink_guardian(actor: Actor, link_id: int) -> int:
    """Remove a parent's link to a pupil (admin); returns the pupil."""
    return admin_delete(actor, GuardianStudent, link_id, lambda link: link.student_id)
