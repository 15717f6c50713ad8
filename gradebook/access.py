"""Who may do what in the staff web: the one place that answers it.

Roles: a platform *operator* (``StaffUser.is_operator``) runs the platform and sees no pupil data;
everyone else acts in one school through a ``StaffMembership`` (``admin`` or ``teacher``); the
class teacher is a per-class assignment (``SchoolClass.class_teacher_id``); a teacher writes
grades for the classes and subjects of their curriculum assignments (``Curriculum.teacher_id``).

The school a signed-in staff user acts in is kept in the session (``SESSION_SCHOOL_KEY``), chosen
at sign-in and re-checked against the memberships on every request, so a stale or forged value
never grants anything. Answers are cached per request (``request_cache()``).

Public API (other parts import it)::

    current_staff() -> StaffUser | None
    current_school_id() -> int | None
    @staff_required, @admin_required, @operator_required
    is_admin() -> bool; teaches(curriculum) -> bool; is_class_teacher(class_id) -> bool
    can_see_health(student_id) -> bool
    can_write_grades(curriculum) -> bool   # teaches() or admin of the curriculum's school
    class_teacher_class_ids() -> set[int]; taught_curriculum_ids() -> set[int]
    require(condition) -> None            # abort(403) unless condition
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from typing import TypeVar

import sqlalchemy as sa
from flask import abort
from flask import has_request_context
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user

from models import Curriculum
from models import Enrollment
from models import Guardian
from models import GuardianStudent
from models import School
from models import SchoolClass
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import Student
from models import db

SESSION_SCHOOL_KEY = "staff_school_id"
_CACHE_KEY = "belezhnik.staff_access"

F = TypeVar("F", bound=Callable[..., Any])


def request_cache() -> dict[str, Any]:
    """A dict living exactly as long as the current request (kept in the WSGI environ, not in
    ``flask.g``, which tests share across requests when they hold an app context open)."""
    return request.environ.setdefault(_CACHE_KEY, {})


# --- who is signed in ----------------------------------------------------------------------------
def current_staff() -> StaffUser | None:
    """The signed-in StaffUser (``None`` for parents and anonymous visitors)."""
    if not has_request_context():
        return None
    user = current_user._get_current_object() if current_user else None  # noqa: SLF001
    if isinstance(user, StaffUser) and user.is_authenticated and user.active:
        return user
    return None


def _memberships() -> list[StaffMembership]:
    cache = request_cache()
    if "memberships" not in cache:
        staff = current_staff()
        cache["memberships"] = (
            list(
                db.session.scalars(
                    sa.select(StaffMembership)
                    .join(School, School.id == StaffMembership.school_id)
                    .where(StaffMembership.staff_id == staff.id, School.active.is_(True))
                    .order_by(StaffMembership.school_id, StaffMembership.role)
                )
            )
            if staff is not None
            else []
        )
    return cache["memberships"]


def school_ids_of_current_staff() -> list[int]:
    seen: list[int] = []
    for m in _memberships():
        if m.school_id not in seen:
            seen.append(m.school_id)
    return seen


def current_school_id() -> int | None:
    """The school the signed-in staff user acts in; ``None`` for operators, parents, anonymous.

    Taken from the session when it names a school of one of the user's memberships, else the
    first such school (and remembered)."""
    if not has_request_context():
        return None
    cache = request_cache()
    if "school_id" in cache:
        return cache["school_id"]
    staff = current_staff()
    school_id: int | None = None
    if staff is not None:
        schools = school_ids_of_current_staff()
        wanted = session.get(SESSION_SCHOOL_KEY)
        if wanted in schools:
            school_id = wanted
        elif schools:
            school_id = schools[0]
            session[SESSION_SCHOOL_KEY] = school_id
    cache["school_id"] = school_id
    return school_id


def set_current_school(school_id: int | None) -> bool:
    """Switch the acting school (only to one of the user's memberships). True when switched."""
    if school_id is None or school_id not in school_ids_of_current_staff():
        return False
    session[SESSION_SCHOOL_KEY] = school_id
    request_cache().clear()
    return True


def roles() -> set[StaffRole]:
    """The user's roles in the current school."""
    school_id = current_school_id()
    return {m.role for m in _memberships() if m.school_id == school_id}


def is_admin() -> bool:
    """School admin (director, deputy, secretary) of the current school."""
    return current_school_id() is not None and StaffRole.ADMIN in roles()


def is_operator() -> bool:
    staff = current_staff()
    return bool(staff and staff.is_operator)


# --- rights on objects -----------------------------------------------------------------------------
def _own_ids(key: str, id_column: Any, owner_column: Any, school_column: Any) -> set[int]:
    """The ids of the current school's rows that the signed-in user owns (``owner_column`` is
    their staff id), read once per request and kept in the request cache under ``key``."""
    cache = request_cache()
    if key not in cache:
        staff, school_id = current_staff(), current_school_id()
        cache[key] = (
            set(
                db.session.scalars(
                    sa.select(id_column).where(owner_column == staff.id, school_column == school_id)
                )
            )
            if staff is not None and school_id is not None
            else set()
        )
    return cache[key]


def taught_curriculum_ids() -> set[int]:
    """Curriculum rows of the current school assigned to the signed-in teacher."""
    return _own_ids("curricula", Curriculum.id, Curriculum.teacher_id, Curriculum.school_id)


def class_teacher_class_ids() -> set[int]:
    """Classes of the current school whose class teacher is the signed-in user."""
    return _own_ids(
        "class_teacher", SchoolClass.id, SchoolClass.class_teacher_id, SchoolClass.school_id
    )


def _curriculum_id(curriculum: Curriculum | int) -> int:
    return curriculum if isinstance(curriculum, int) else curriculum.id


def teaches(curriculum: Curriculum | int) -> bool:
    """True when the signed-in user is the teacher of this curriculum row in the current school
    (strict assignment; see ``can_write_grades`` for "teacher or admin")."""
    return _curriculum_id(curriculum) in taught_curriculum_ids()


def can_write_grades(curriculum: Curriculum) -> bool:
    """The assigned teacher, or an admin of the curriculum's school."""
    school_id = current_school_id()
    if school_id is None or curriculum.school_id != school_id:
        return False
    return is_admin() or teaches(curriculum)


def is_class_teacher(class_id: int) -> bool:
    """True when the signed-in user is the class teacher of ``class_id`` (current school)."""
    return class_id in class_teacher_class_ids()


def can_manage_class(class_id: int) -> bool:
    """Absences, remarks, health notes of a class: its class teacher or a school admin."""
    return is_admin() or is_class_teacher(class_id)


def _student_class_ids(student_id: int) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Enrollment.class_id).where(
                Enrollment.student_id == student_id, Enrollment.left_on.is_(None)
            )
        )
    )


def can_see_health(student_id: int) -> bool:
    """Health notes: the class teacher (of the student's current class), an admin of the
    student's school, or one of the student's own parents (when a parent is signed in)."""
    if not has_request_context():
        return False
    user = current_user._get_current_object() if current_user else None  # noqa: SLF001
    if isinstance(user, Guardian) and user.is_authenticated:
        return (
            db.session.scalar(
                sa.select(GuardianStudent.id).where(
                    GuardianStudent.guardian_id == user.id,
                    GuardianStudent.student_id == student_id,
                )
            )
            is not None
        )
    school_id = current_school_id()
    if school_id is None:
        return False
    student_school = db.session.scalar(sa.select(Student.school_id).where(Student.id == student_id))
    if student_school != school_id:
        return False
    if is_admin():
        return True
    return bool(_student_class_ids(student_id) & class_teacher_class_ids())


def require(condition: bool) -> None:
    """403 unless ``condition``."""
    if not condition:
        abort(403)


# --- decorators ---------------------------------------------------------------------------------
def _to_login() -> Any:
    return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))


def _signed_in_and(allowed: Callable[[], bool], view: F) -> F:
    """``view`` for a signed-in staff user for whom ``allowed()`` holds, else 403; anonymous
    users (or parents) go to the sign-in page."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_staff() is None:
            return _to_login()
        if not allowed():
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def staff_required(view: F) -> F:
    """Any staff member of the current school; anonymous (or parents) go to /staff/login;
    an operator (no school) or a user without memberships gets 403."""
    return _signed_in_and(lambda: current_school_id() is not None, view)


def admin_required(view: F) -> F:
    """A school admin of the current school, else 403 (anonymous: to the sign-in page)."""
    return _signed_in_and(lambda: is_admin(), view)


def operator_required(view: F) -> F:
    """A platform operator, else 403 (anonymous: to the sign-in page)."""
    return _signed_in_and(lambda: is_operator(), view)
