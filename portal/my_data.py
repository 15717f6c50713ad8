"""My data (GDPR art. 15): everything held on the guardian and their children, as plain JSON
types; secrets are named but not exported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from config import clock
from models import Absence
from models import Enrollment
from models import Grade
from models import Guardian
from models import HealthNote
from models import MessageThread
from models import NotificationOutbox
from models import NotificationPreference
from models import ParentNote
from models import Remark
from models import SeenItem
from models import Subject
from models import db
from portal import pupil_record
from portal import year_results
from portal.children import children


# --- my data (GDPR) ------------------------------------------------------------------------------
def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _plain(value: Any) -> Any:
    """A portal view's data as plain JSON types (dates as ISO, dataclasses as objects)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    return _iso(value)


def _parent_notes(guardian_id: int, student_id: int, school_id: int) -> list[dict[str, Any]]:
    return [
        {
            "from": _iso(n.starts_on),
            "to": _iso(n.ends_on),
            "from_period": n.from_period,
            "reason": str(n.reason),
            "comment": n.comment,
            "channel": str(n.channel),
            "status": str(n.status),
            "sent_by_you": n.guardian_id == guardian_id,
            "with_document": n.document_type is not None,
            "sent_at": _iso(n.created_at),
            "decided_at": _iso(n.decided_at),
            "refusal_reason": n.refusal_reason,
        }
        for n in db.session.scalars(
            sa.select(ParentNote)
            .where(ParentNote.student_id == student_id, ParentNote.school_id == school_id)
            .order_by(ParentNote.starts_on, ParentNote.id)
        )
    ]


def export_data(guardian: Guardian) -> dict[str, Any]:
    """Everything held on the guardian and their children (GDPR art. 15), as plain JSON types.

    Secrets (password and PIN hashes, the calendar token) are named but not exported."""
    g = guardian
    data: dict[str, Any] = {
        "generated_at": _iso(clock.now().replace(microsecond=0)),
        "guardian": {
            "id": g.id,
            "full_name": g.full_name,
            "email": g.email,
            "phone": g.phone,
            "email_verified_at": _iso(g.email_verified_at),
            "phone_verified_at": _iso(g.phone_verified_at),
            "sms_latin": g.sms_latin,
            "digest": g.digest,
            "stop_all": g.stop_all,
            "has_password": bool(g.password_hash),
            "has_pin": bool(g.pin_hash),
            "calendar_feed_enabled": bool(g.ical_token),
            "created_at": _iso(g.created_at),
            "last_login_at": _iso(g.last_login_at),
        },
        "notification_preferences": [
            {"event": str(p.event_type), "channel": str(p.channel), "enabled": p.enabled}
            for p in db.session.scalars(
                sa.select(NotificationPreference).where(NotificationPreference.guardian_id == g.id)
            )
        ],
        "notifications": [
            {
                "created_at": _iso(n.created_at),
                "channel": str(n.channel),
                "event": str(n.event_type),
                "to": n.to_address,
                "subject": n.subject,
                "body": n.body,
                "status": str(n.status),
                "sent_at": _iso(n.sent_at),
            }
            for n in db.session.scalars(
                sa.select(NotificationOutbox)
                .where(NotificationOutbox.guardian_id == g.id)
                .order_by(NotificationOutbox.created_at)
            )
        ],
        "seen_items": [
            {"object_type": s.object_type, "object_id": s.object_id, "seen_at": _iso(s.seen_at)}
            for s in db.session.scalars(
                sa.select(SeenItem).where(SeenItem.guardian_id == g.id).order_by(SeenItem.seen_at)
            )
        ],
        "children": [],
    }
    for ctx in children(g.id):
        s = ctx.student
        sid, school_id = s.id, ctx.school.id

        def rows(model: Any, *order: Any, _sid: int = sid, _school: int = school_id) -> list[Any]:
            return list(
                db.session.scalars(
                    sa.select(model)
                    .where(model.student_id == _sid, model.school_id == _school)
                    .order_by(*order)
                )
            )

        subject_names = dict(
            db.session.execute(
                sa.select(Subject.id, Subject.name).where(Subject.school_id == school_id)
            ).all()
        )
        child: dict[str, Any] = {
            "id": sid,
            "first_name": s.first_name,
            "middle_name": s.middle_name,
            "last_name": s.last_name,
            "birth_date": _iso(s.birth_date),
            "gender": s.gender,
            "personal_id_type": str(s.personal_id_type),
            "personal_id": s.personal_id,
            "student_code": s.student_code,
            "special_needs": s.sop,
            "relation": ctx.relation,
            "school": {"id": ctx.school.id, "name": ctx.school.name, "town": ctx.school.town},
            "class": ctx.class_name,
            "enrollments": [
                {
                    "class_id": e.class_id,
                    "class_number": e.class_number,
                    "enrolled_on": _iso(e.enrolled_on),
                    "left_on": _iso(e.left_on),
                }
                for e in rows(Enrollment, Enrollment.enrolled_on)
            ],
            "grades": [
                {
                    "date": _iso(x.date),
                    "subject": subject_names.get(x.subject_id, ""),
                    "term": x.term,
                    "kind": str(x.kind),
                    "category": str(x.category),
                    "value": _iso(x.value),
                    "sop_mark": x.sop_mark and str(x.sop_mark),
                    "comment": x.comment,
                }
                for x in rows(Grade, Grade.date, Grade.id)
            ],
            "absences": [
                {
                    "date": _iso(x.date),
                    "period": x.period,
                    "subject": subject_names.get(x.subject_id or 0, ""),
                    "kind": str(x.kind),
                    "excuse_reason": x.excuse_reason and str(x.excuse_reason),
                    "excuse_comment": x.excuse_comment,
                    "excused_by_parent": x.excused_by_parent,
                }
                for x in rows(Absence, Absence.date, Absence.period)
            ],
            "remarks": [
                {"date": _iso(x.date), "kind": str(x.kind), "text": x.text}
                for x in rows(Remark, Remark.date, Remark.id)
            ],
            "health_notes": [
                {"from": _iso(x.date_from), "to": _iso(x.date_to), "text": x.text}
                for x in rows(HealthNote, HealthNote.date_from)
            ],
            "parent_notes": _parent_notes(g.id, sid, school_id),
            # the pupil's record and the year's sections, as the child's page shows them
            "pupil_record": _plain(pupil_record.record(ctx)),
            "year_results": _plain(
                {k: v for k, v in year_results.record(ctx).items() if k != "sections"}
            ),
            "messages": [],
        }
        for thread in db.session.scalars(
            sa.select(MessageThread)
            .where(MessageThread.guardian_id == g.id, MessageThread.student_id == sid)
            .order_by(MessageThread.created_at)
        ):
            child["messages"].append(
                {
                    "subject": thread.subject,
                    "teacher": thread.staff.full_name,
                    "messages": [
                        {
                            "from": "teacher" if m.from_staff else "parent",
                            "at": _iso(m.created_at),
                            "read_at": _iso(m.read_at),
                            "body": m.body,
                        }
                        for m in thread.messages
                    ],
                }
            )
        data["children"].append(child)
    return data
