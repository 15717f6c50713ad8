"""The school's own settings, kept by its admin (``/staff/admin/settings``): the name and
contacts the parents see, when parents are warned about unexcused absences (the child benefit,
АСП: more than 5 weighted unexcused hours in a month, or more than 3 unexcused days of a ПГ
child), the quiet hours and the daily digest's time of the notifications, and how many days a
parent may excuse (up to 15 school days a year and 5 in a row, Наредба за приобщаващото
образование since 2024; a school may allow fewer).

The NEISPUO code and the information number are not here: the code identifies the school to the
Ministry, and the number routes parents' calls to the school (``ivr.service``), so both belong to
the platform operator (``gradebook.views.operator``). Each save is one audited update.
"""

from __future__ import annotations

from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from gradebook import rules
from gradebook.core import Actor
from gradebook.core import Invalid
from gradebook.core import atomic
from gradebook.core import audit
from gradebook.core import check_fields
from gradebook.core import commit_refreshed
from gradebook.core import int_in
from gradebook.core import parse_time
from gradebook.core import read_field
from gradebook.core import require_admin
from gradebook.core import snapshot
from gradebook.messages import msg
from models import School
from models import db
from notify import contacts
from notify import timing

# the law's limits (gradebook.rules.absences): a school may warn earlier and allow fewer days
THRESHOLD_MAX = rules.DEFAULT_MONTHLY_THRESHOLD  # weighted unexcused hours a month (АСП)
PG_DAYS_MAX = 3  # unexcused days a month of a ПГ child (School.pg_absence_threshold_days)
EXCUSE_DAYS_YEAR_MAX = rules.PARENT_EXCUSE_MAX_YEAR
EXCUSE_DAYS_IN_ROW_MAX = rules.PARENT_EXCUSE_MAX_IN_ROW


def school_of(actor: Actor) -> School:
    school = db.session.get(School, actor.school_id)
    assert school is not None  # an actor always acts in an existing school
    return school


def _text(raw: Any, field: str, limit: int, too_long: Any, *, required: bool = False) -> str:
    """A line of text, spaces collapsed; ``too_long`` (a catalogue text) past ``limit``."""
    text = " ".join(str(raw or "").split())
    if required and not text:
        raise Invalid(msg("school.name_required"), {field: msg("school.name_required")})
    if len(text) > limit:
        raise Invalid(too_long, {field: too_long})
    return text


def _email(raw: Any) -> str | None:
    text = str(raw or "").strip()
    if not text:
        return None
    email = contacts.normalize_email(text)
    if email is None or len(email) > 200:
        raise Invalid(msg("school.email_invalid"), {"email": msg("school.email_invalid")})
    return email


def _threshold(raw: Any) -> Decimal:
    """Weighted unexcused hours: 0,5 to 5 in halves (a late counts ½), comma or point."""
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not value.is_finite() or not Decimal("0.5") <= value <= THRESHOLD_MAX or value * 2 % 1:
        message = msg("school.threshold_invalid")
        raise Invalid(message, {"absence_threshold": message})
    return value.quantize(Decimal("0.1"))


def save_school_settings(actor: Actor, **form: Any) -> School:
    """Check every field (all wrong ones reported at once), then update the school: one audit
    row with the values before and after. Only the school's admin."""

    def work() -> School:
        require_admin(actor)
        school = school_of(actor)
        errors: dict[str, str] = {}
        values = {
            "name": read_field(
                errors,
                lambda: _text(
                    form.get("name"), "name", 200, msg("school.name_long"), required=True
                ),
            ),
            "town": read_field(
                errors, lambda: _text(form.get("town"), "town", 100, msg("school.town_long"))
            ),
            "address": read_field(
                errors, lambda: _text(form.get("address"), "address", 200, msg("school.text_long"))
            ),
            "email": read_field(errors, lambda: _email(form.get("email"))),
            "absence_threshold": read_field(
                errors, lambda: _threshold(form.get("absence_threshold"))
            ),
            "pg_absence_threshold_days": read_field(
                errors,
                lambda: int_in(
                    form.get("pg_absence_threshold_days"),
                    1,
                    PG_DAYS_MAX,
                    "pg_absence_threshold_days",
                    msg("school.pg_threshold_invalid"),
                ),
            ),
            "quiet_start": read_field(
                errors, lambda: parse_time(form.get("quiet_start"), "quiet_start", True)
            ),
            "quiet_end": read_field(
                errors, lambda: parse_time(form.get("quiet_end"), "quiet_end", True)
            ),
            "digest_time": read_field(
                errors, lambda: parse_time(form.get("digest_time"), "digest_time", True)
            ),
            "parent_excuse_days_year": read_field(
                errors,
                lambda: int_in(
                    form.get("parent_excuse_days_year"),
                    0,
                    EXCUSE_DAYS_YEAR_MAX,
                    "parent_excuse_days_year",
                    msg("school.excuse_year_invalid"),
                ),
            ),
        }
        year_days = values["parent_excuse_days_year"]
        values["parent_excuse_days_in_row"] = read_field(
            errors,
            lambda: int_in(
                form.get("parent_excuse_days_in_row"),
                0,
                min(
                    EXCUSE_DAYS_IN_ROW_MAX, EXCUSE_DAYS_YEAR_MAX if year_days is None else year_days
                ),
                "parent_excuse_days_in_row",
                msg("school.excuse_row_invalid"),
            ),
        )
        start, end, digest = values["quiet_start"], values["quiet_end"], values["digest_time"]
        if start and end and digest and timing.in_quiet_hours(digest, start, end):
            errors["digest_time"] = str(
                msg(
                    "school.digest_in_quiet",
                    digest=f"{digest:%H:%M}",
                    start=f"{start:%H:%M}",
                    end=f"{end:%H:%M}",
                )
            )
        check_fields(errors)
        before = snapshot(school)
        for key, value in values.items():
            setattr(school, key, value)
        db.session.flush()
        audit(actor, "update", school, before=before, after=snapshot(school))
        commit_refreshed()
        return school

    return atomic(work)
