"""The phone line's use-cases: the database side of ``ivr.flow`` and one idempotent step.

``handle_step(call_sid, params, request_key, event, action_url_for)`` loads (or creates) the
``CallSession`` row for the CallSid (locked ``FOR UPDATE`` on PostgreSQL), answers a Twilio retry
of the same request with the stored response, otherwise advances the flow, stores state and the
response, and commits. ``DbServices`` implements ``flow.Services`` on the models.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

import security
import throttle
from config import clock
from gradebook import core
from gradebook import parent_notes
from gradebook import rules
from gradebook import summary
from ivr import flow
from ivr import pin_lock
from ivr import speech_input
from models import AuditLog
from models import CallSession
from models import Guardian
from models import GuardianStudent
from models import NoteChannel
from models import ParentNote
from models import School
from models import SchoolYear
from models import Student
from models import StudentSummary
from models import db
from models import utcnow
from notify import twilio_status
from notify.contacts import normalize_phone

log = logging.getLogger("belezhnik.ivr")


# What Twilio sends as From for a hidden caller ID ("+266696687" is its stand-in for anonymous)
HIDDEN_CALLER_IDS = frozenset(
    {"", "anonymous", "restricted", "unknown", "private", "unavailable", "+266696687", "266696687"}
)


def normalize_number(raw: str) -> str:
    """A caller number as E.164 ("+359…"); "" for a hidden number (anonymous, restricted, empty,
    or anything that is not a phone number). A hidden number is never recognised by caller ID
    and shares one limit with every other hidden number (``DbServices._number_limit``)."""
    raw = (raw or "").strip()
    if raw.lower() in HIDDEN_CALLER_IDS:
        return ""
    return normalize_phone(raw, accept="possible") or ""


def request_key(path: str, params: dict[str, str]) -> str:
    """Identifies one Twilio request: a retry has the same path, query and parameters."""
    body = path + "\n" + "\n".join(f"{k}={params[k]}" for k in sorted(params))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class DbServices:
    """``flow.Services`` on the database, for one call session."""

    def __init__(self, session: CallRecord, state: flow.CallState) -> None:
        self.session = session
        self.state = state
        self._summaries: dict[int, dict[str, Any]] = {}
        # (guardian, student) → (link id, school, last call) of the link the PIN was checked on
        self._links: dict[tuple[int, int], tuple[int, int, dt.datetime | None]] = {}
        self._reservation: throttle.Reservation | None = None

    def today(self) -> dt.date:
        return clock.today()

    def now(self) -> dt.datetime:
        return clock.utc_naive()

    def _children(self, guardian_id: int) -> tuple[flow.Child, ...]:
        return _children_of(db.session.execute(_CHILDREN, {"guardian_id": guardian_id}).all())

    def caller(self, number: str) -> flow.Caller | None:
        """The parent calling from ``number`` with the children, in one round trip: the first
        active guardian with a PIN and at least one child (by id), children youngest first."""
        rows = db.session.execute(_CALLER, {"number": number}).all()
        if not rows:
            return None
        guardian_id = rows[0][0]
        mine = [r for r in rows if r[0] == guardian_id]
        if self.session.school_id is None:  # for the school's log of this call
            self.session.school_id = min(mine, key=lambda r: r[1])[2]
        return flow.Caller(guardian_id, _children_of(mine))

    def children_of(self, guardian_id: int) -> tuple[flow.Child, ...]:
        return self._children(guardian_id)

    def code_valid(self, code: str) -> bool:
        return rules.is_valid_student_code(rules.normalize_student_code(code))

    def student_by_code(self, code: str) -> flow.Child | None:
        row = db.session.execute(
            sa.select(Student.id, Student.first_name, Student.school_id, SchoolYear.id)
            .outerjoin(
                SchoolYear,
                sa.and_(SchoolYear.school_id == Student.school_id, SchoolYear.is_current.is_(True)),
            )
            .where(Student.student_code == rules.normalize_student_code(code))
            .limit(1)
        ).first()
        if row is None:
            return None
        if self.session.school_id is None:
            self.session.school_id = row[2]
        return flow.Child(row[0], row[1], row[3])

    def verify_pin(self, pin: str, student_id: int | None, guardian_id: int | None) -> int | None:
        if student_id is None:
            security.check_pin(None, pin)  # same work as a real check
            return None
        if guardian_id is None:
            rows = db.session.execute(_PIN_HOLDERS, {"student_id": student_id}).all()
        else:
            rows = db.session.execute(
                _PIN_HOLDER, {"student_id": student_id, "guardian_id": guardian_id}
            ).all()
        if not rows:
            security.check_pin(None, pin)
        for gid, pin_hash, link_id, school_id, last_call in rows:
            if security.check_pin(pin_hash, pin):
                self._links[(gid, student_id)] = (link_id, school_id, last_call)
                return gid
        return None

    def _number_limit(self, number: str) -> throttle.Limit:
        """The caller's number's hourly limit; every hidden number shares one, tighter."""
        cfg = current_app.config
        if not number:
            return throttle.Limit("ivr_hidden", "*", int(cfg.get("IVR_FAILS_HIDDEN_HOUR", 20)))
        return throttle.Limit("ivr_number", number, int(cfg.get("IVR_FAILS_PER_NUMBER_HOUR", 10)))

    def _limits(self, number: str, student_ids: tuple[int, ...]) -> list[throttle.Limit]:
        per_child = int(current_app.config.get("IVR_FAILS_PER_CODE_HOUR", 5))
        limits = [self._number_limit(number)]
        for sid in student_ids:
            limits += [throttle.Limit("ivr_child", str(sid), per_child), pin_lock.limit(sid)]
        return limits

    def locked(self, number: str) -> bool:
        return throttle.reached(self._number_limit(number))

    def attempt(self, number: str, student_ids: tuple[int, ...]) -> bool:
        # one statement, committed with the step (the call row stays locked until then)
        self._reservation = throttle.reserve(*self._limits(number, student_ids), commit=False)
        return bool(self._reservation)

    def failed(self, number: str, student_ids: tuple[int, ...]) -> bool:
        counts = throttle.failed(*(pin_lock.limit(sid) for sid in student_ids))
        pin_lock.locked_now(counts, self.session.school_id)
        return self._reservation is not None and self._reservation.left == 0

    def succeeded(self, number: str, student_ids: tuple[int, ...]) -> None:
        throttle.give_back(*self._limits(number, student_ids))

    def lockout(self, number: str, per_child: bool) -> None:
        log.warning("phone line lockout: number=%s child=%s", number, "yes" if per_child else "no")
        db.session.add(
            AuditLog(
                school_id=self.session.school_id,
                actor_type="system",
                actor_id=None,
                action="ivr_lockout",
                object_type="call_session",
                object_id=self.session.id,
                reason=f"Заключване на телефонната линия: номер {number or 'скрит'}"
                + (", твърде много опити за едно дете" if per_child else ""),
            )
        )

    def begin(self, guardian_id: int, student_id: int) -> dt.datetime | None:
        link = self._links.get((guardian_id, student_id))
        if link is None:  # a child chosen from the caller's list: its link not read yet
            row = db.session.execute(
                sa.select(
                    GuardianStudent.id, GuardianStudent.school_id, GuardianStudent.last_call_at
                ).where(
                    GuardianStudent.guardian_id == guardian_id,
                    GuardianStudent.student_id == student_id,
                )
            ).first()
            link = (row[0], row[1], row[2]) if row else None
        previous = None
        if link is not None:
            link_id, school_id, previous = link
            db.session.execute(_LAST_CALL, {"link_id": link_id, "now": clock.utc_naive()})
            self.session.school_id = school_id
        self.session.guardian_id = guardian_id
        self.session.student_id = student_id
        heard = self.state.data.setdefault("heard", [])  # every child of the call, for its log
        if student_id not in heard:
            heard.append(student_id)
        return previous

    def prefetch(self, student_id: int, payload: dict[str, Any]) -> None:
        self._summaries[student_id] = payload

    def summary(self, child: flow.Child) -> dict[str, Any]:
        if child.student_id not in self._summaries:
            payload: dict[str, Any] = {}
            if child.school_year_id is not None:
                payload = summary.get_summary(child.student_id, child.school_year_id)
            self._summaries[child.student_id] = payload
        return self._summaries[child.student_id]

    def class_summary(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        student = payload.get("student") or {}
        class_id = student.get("class_id")
        year_id = (self.state.data.get("child") or {}).get("year")
        if not class_id or not year_id:
            return None
        return summary.get_class_summary(class_id, year_id, payload.get("term", 1))

    def send_note(
        self,
        child: flow.Child,
        guardian_id: int,
        day: dt.date,
        from_period: int | None,
        reason: str,
    ) -> flow.NoteResult:
        """A parent's note by phone (``gradebook.parent_notes``: the same rules as the portal's).
        The note commits on its own; a refusal keeps the call going with the reason."""
        school_id = self.session.school_id
        in_row = 5
        if school_id is not None:
            school = db.session.get(School, school_id)
            in_row = int(school.parent_excuse_days_in_row) if school else in_row
        try:
            note, left = parent_notes.submit_note(
                guardian_id,
                child.student_id,
                starts_on=day,
                ends_on=day,
                from_period=from_period,
                reason=reason,
                channel=NoteChannel.PHONE,
                call_session_id=self.session.id,
            )
        except core.OperationError as exc:
            key = getattr(exc.message_bg, "key", "")
            problem = {
                "note.year_limit": "year_limit",
                "note.in_row": "in_row",
                "note.overlap": "overlap",
                "note.no_school_day": "no_school_day",
            }.get(key, "other")
            log.info("phone note refused: %s (%s)", problem, key)
            try:
                left = parent_notes.days_left(child.student_id)
            except core.OperationError:
                left = 0
            return flow.NoteResult(problem, left, in_row)
        return flow.NoteResult(None, left, in_row, note.id)

    def min_confidence(self) -> float:
        raw = current_app.config.get("IVR_SPEECH_MIN_CONFIDENCE", speech_input.MIN_CONFIDENCE)
        return float(raw)


def _load(call_sid: str) -> CallSession | None:
    """The call's ORM row, locked FOR UPDATE on PostgreSQL (status callback)."""
    return db.session.scalars(
        sa.select(CallSession).where(CallSession.call_sid == call_sid).with_for_update()
    ).first()


@dataclass
class CallRecord:
    """The columns of a ``CallSession`` row a step reads and writes (Core, no ORM overhead:
    the step is the phone line's hot path)."""

    id: int
    state: str
    data: dict[str, Any]
    failures: int
    menus: list[Any]
    step: int
    last_request_key: str | None
    last_response: str | None
    from_number: str
    school_id: int | None
    guardian_id: int | None
    student_id: int | None


_CS = CallSession.__table__
_SS = StudentSummary.__table__
_RECORD_COLUMNS = [
    _CS.c.id,
    _CS.c.state,
    _CS.c.data,
    _CS.c.failures,
    _CS.c.menus,
    _CS.c.step,
    _CS.c.last_request_key,
    _CS.c.last_response,
    _CS.c.from_number,
    _CS.c.school_id,
    _CS.c.guardian_id,
    _CS.c.student_id,
]


# The hot path's statements, built once (building a statement costs more than running it).
_LOAD = (
    sa.select(*_RECORD_COLUMNS, _SS.c.school_year_id, _SS.c.payload)
    .select_from(
        _CS.outerjoin(
            _SS,
            sa.and_(_SS.c.student_id == _CS.c.student_id, _SS.c.school_id == _CS.c.school_id),
        )
    )
    .where(_CS.c.call_sid == sa.bindparam("call_sid"))
    .order_by(_SS.c.school_year_id.desc())
    .limit(1)
    .with_for_update(of=_CS)
)
_CREATE = (
    sa.insert(_CS)
    .values(
        call_sid=sa.bindparam("call_sid"),
        # the school whose information number was called, when exactly one school has it
        school_id=sa.select(sa.func.min(School.id))
        .where(School.info_phone == sa.bindparam("to_number"))
        .having(sa.func.count(School.id) == 1)
        .scalar_subquery(),
        from_number=sa.bindparam("from_number"),
        to_number=sa.bindparam("to_number"),
        state="start",
        data={},
        menus=[],
        step=0,
        failures=0,
        status="in-progress",
    )
    .returning(*_RECORD_COLUMNS)
)
# what a step writes back: the call's state and answer (and who it is about, once known)
_STEP_COLUMNS = (
    "state",
    "data",
    "failures",
    "menus",
    "step",
    "last_request_key",
    "last_response",
    "updated_at",
    "school_id",
    "guardian_id",
    "student_id",
)


def _step_update(ends: bool, async_commit: bool) -> sa.Update:
    """The UPDATE of a step (built once per kind): ``ends`` also marks the call completed;
    ``async_commit`` lets its commit skip the WAL flush (PostgreSQL, see :func:`handle_step`)."""
    values = {name: sa.bindparam(f"v_{name}") for name in _STEP_COLUMNS}
    if ends:
        values["status"] = sa.bindparam("v_status")
    update = sa.update(_CS).where(_CS.c.id == sa.bindparam("v_id")).values(**values)
    if async_commit:
        # set_config(…, is_local => true) is SET LOCAL, evaluated for the one locked row inside
        # the same statement: no extra round trip
        update = update.where(
            sa.func.set_config("synchronous_commit", "off", sa.true()).is_not(None)
        )
    return update


_STEP_UPDATES = {(e, a): _step_update(e, a) for e in (False, True) for a in (False, True)}
# the guardians of a pupil who have a PIN, with their link to the pupil (all, or one of them)
_PIN_HOLDERS = (
    sa.select(
        Guardian.id,
        Guardian.pin_hash,
        GuardianStudent.id,
        GuardianStudent.school_id,
        GuardianStudent.last_call_at,
    )
    .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
    .where(
        GuardianStudent.student_id == sa.bindparam("student_id"),
        Guardian.active.is_(True),
        Guardian.pin_hash.is_not(None),
    )
    .order_by(Guardian.id)
)
_PIN_HOLDER = _PIN_HOLDERS.where(Guardian.id == sa.bindparam("guardian_id"))
_LAST_CALL = (
    sa.update(GuardianStudent)
    .where(GuardianStudent.id == sa.bindparam("link_id"))
    .values(last_call_at=sa.bindparam("now"))
)
# A guardian's children (youngest first) with each child's current school year; the guardian id,
# link id and school lead each row. Called by number (the caller) or by guardian id.
_GUARDIAN_CHILDREN = (
    sa.select(
        Guardian.id,
        GuardianStudent.id,
        GuardianStudent.school_id,
        Student.id,
        Student.first_name,
        SchoolYear.id,
    )
    .join(GuardianStudent, GuardianStudent.guardian_id == Guardian.id)
    .join(Student, Student.id == GuardianStudent.student_id)
    .outerjoin(
        SchoolYear,
        sa.and_(SchoolYear.school_id == Student.school_id, SchoolYear.is_current.is_(True)),
    )
    .order_by(Guardian.id, Student.birth_date.desc(), Student.id)
)
_CALLER = _GUARDIAN_CHILDREN.where(
    Guardian.phone == sa.bindparam("number"),
    Guardian.active.is_(True),
    Guardian.pin_hash.is_not(None),
)
_CHILDREN = _GUARDIAN_CHILDREN.where(Guardian.id == sa.bindparam("guardian_id"))


def _children_of(rows: Any) -> tuple[flow.Child, ...]:
    """Rows of :data:`_GUARDIAN_CHILDREN` of one guardian as the flow's children, once each."""
    seen: dict[int, flow.Child] = {}
    for _gid, _link, _school, sid, first, year in rows:
        seen.setdefault(sid, flow.Child(sid, first, year))
    return tuple(seen.values())


def _load_with_summary(
    call_sid: str,
) -> tuple[CallRecord | None, tuple[int, dict[str, Any]] | None]:
    """The call's row (locked FOR UPDATE on PostgreSQL) and, in the same round trip, the stored
    summary of the child it is about: a menu step then needs no other read."""
    row = db.session.execute(_LOAD, {"call_sid": call_sid}).first()
    if row is None:
        return None, None
    values = list(row)
    record = CallRecord(*values[: len(_RECORD_COLUMNS)])
    year_id, payload = values[len(_RECORD_COLUMNS) :]
    return record, ((year_id, payload) if year_id is not None else None)


def _create(call_sid: str, params: dict[str, str]) -> CallRecord:
    """The call's row, new, in one round trip (INSERT … RETURNING)."""
    row = db.session.execute(
        _CREATE,
        {
            "call_sid": call_sid,
            "to_number": (params.get("To") or "")[:32],
            "from_number": normalize_number(params.get("From", "")),
        },
    ).one()
    return CallRecord(*row)


def handle_step(
    params: dict[str, str],
    key: str,
    event: flow.Event,
    render: Callable[[flow.Reply, int], str],
) -> str:
    """Run one step of a call idempotently and commit; returns the TwiML to answer.

    One round trip reads the call (locked) with the child's summary; a retry of the same request
    gets the stored answer; otherwise the flow advances and one UPDATE stores state and answer.
    """
    call_sid = (params.get("CallSid") or "")[:64]
    record, prefetched = _load_with_summary(call_sid)
    if record is None:
        try:
            record = _create(call_sid, params)  # new rows are this transaction's alone
        except IntegrityError:  # the same call's first step arriving twice at once
            db.session.rollback()
            record, prefetched = _load_with_summary(call_sid)
        assert record is not None
    if record.last_request_key == key and record.last_response:
        db.session.rollback()
        return record.last_response  # a retry: the same answer, nothing counted twice
    failures_before = record.failures
    state = flow.CallState(
        name=record.state,
        data=json.loads(json.dumps(record.data or {})),
        failures=record.failures,
        menus=list(record.menus or []),
        from_number=record.from_number,
    )
    services = DbServices(record, state)
    child = state.data.get("child") or {}
    if prefetched and record.student_id == child.get("id") and prefetched[0] == child.get("year"):
        if summary.is_fresh(prefetched[1]):
            services.prefetch(child["id"], prefetched[1])
    reply = flow.advance(state, event, services)
    step = (record.step or 0) + 1
    xml = render(reply, step + 1)
    ends = state.name == "end"
    params: dict[str, Any] = {
        "v_id": record.id,
        "v_state": state.name,
        "v_data": state.data,
        "v_failures": state.failures,
        "v_menus": state.menus,
        "v_step": step,
        "v_last_request_key": key,
        "v_last_response": xml,
        "v_updated_at": utcnow(),
        # who the call is about (the services set them on the record once the caller is known)
        "v_school_id": record.school_id,
        "v_guardian_id": record.guardian_id,
        "v_student_id": record.student_id,
    }
    if ends:
        params["v_status"] = "completed"
    # Only call state changes in a step without a new failure: its commit need not wait for the
    # WAL flush. A crash may lose the last instants of a call's state, never a failure count
    # (PostgreSQL "asynchronous commit": no corruption, only the latest commits at risk).
    async_commit = (
        state.failures == failures_before and db.session.get_bind().dialect.name == "postgresql"
    )
    db.session.execute(_STEP_UPDATES[ends, async_commit], params)
    db.session.commit()
    return xml


FINAL_CALL_STATUSES = twilio_status.CALL_FINAL


def record_call_end(
    session: CallSession, status: str, duration: str | None, ended_at: dt.datetime | None = None
) -> None:
    """Write how a call ended (from the status callback or from ``ivr.reconcile``): only
    Twilio's values, only forward (``notify.twilio_status.CALL``). The first final report also
    writes the end and the duration (the line's own hang-up marks a call completed without)."""
    moved = twilio_status.CALL.advance(session.status, status)
    if moved is not None:
        session.status = moved
    elif not twilio_status.CALL.known(status):
        log.warning("call %s: status %r is not Twilio's, ignored", session.call_sid, status[:40])
        return
    if status in FINAL_CALL_STATUSES and session.ended_at is None:
        session.ended_at = ended_at or utcnow()
        duration = duration or ""
        if duration.isascii() and duration.isdigit() and len(duration) <= 9:  # not "²", fits int4
            session.duration_s = int(duration)
        elif session.started_at:
            session.duration_s = int((session.ended_at - session.started_at).total_seconds())


def finish_call(params: dict[str, str]) -> None:
    """The status callback: record how the call ended and how long it took. Twilio does not
    retry it: one lost while the database is down is recovered by ``ivr.reconcile``."""
    session = _load((params.get("CallSid") or "")[:64])
    if session is None:
        db.session.rollback()
        return
    record_call_end(session, params.get("CallStatus") or "", params.get("CallDuration"))
    db.session.commit()


def call_log(school_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """The school's recent calls for the admin: when, caller, student, menus, duration."""
    rows = db.session.execute(
        sa.select(CallSession, Student.first_name, Student.last_name)
        .outerjoin(Student, Student.id == CallSession.student_id)
        .where(CallSession.school_id == school_id)
        .order_by(CallSession.started_at.desc())
        .limit(limit)
    ).all()
    heard = {sid for call, _, _ in rows for sid in (call.data or {}).get("heard", [])}
    names = {
        sid: f"{first} {last}"
        for sid, first, last in db.session.execute(
            sa.select(Student.id, Student.first_name, Student.last_name).where(
                Student.id.in_(heard or {0}), Student.school_id == school_id
            )
        )
    }

    def children(call: CallSession, first: str | None, last: str | None) -> str:
        said = [names[s] for s in (call.data or {}).get("heard", []) if s in names]
        return ", ".join(said) if said else (f"{first} {last}" if first else "")

    note_ids = {
        n["id"] for call, _, _ in rows for n in (call.data or {}).get("notes", []) if n.get("id")
    }
    statuses = {
        note_id: status.value
        for note_id, status in db.session.execute(
            sa.select(ParentNote.id, ParentNote.status).where(
                ParentNote.id.in_(note_ids or {0}), ParentNote.school_id == school_id
            )
        )
    }

    def notes(call: CallSession) -> list[dict[str, Any]]:
        """The parents' notes sent in the call: the day, from which lesson, the reason, what
        became of it then (``problem``) and now (``status``: pending, confirmed, refused…)."""
        return [
            {
                "day": dt.date.fromisoformat(n["day"]),
                "from": n.get("from"),
                "reason": n.get("reason", ""),
                "problem": n.get("problem"),
                "status": statuses.get(n.get("id") or 0),
            }
            for n in (call.data or {}).get("notes", [])
        ]

    return [
        {
            "started": clock.local(call.started_at),
            "caller": call.from_number or "скрит номер",
            "student": children(call, first, last),
            "menus": list(call.menus or []),
            "duration": call.duration_s,
            "status": call.status,
            "failures": call.failures,
            "notes": notes(call),
            "said": [
                {"text": s.get("text", ""), "key": s.get("key"), "at": s.get("at", "")}
                for s in (call.data or {}).get("said", [])
            ],
        }
        for call, first, last in rows
    ]


def lockouts(school_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """The school's recent phone-line lockouts (from the audit log)."""
    rows = db.session.scalars(
        sa.select(AuditLog)
        .where(AuditLog.school_id == school_id, AuditLog.action == "ivr_lockout")
        .order_by(AuditLog.created_at.desc())
        .limit(limit)
    ).all()
    return [{"when": clock.local(r.created_at), "reason": r.reason} for r in rows]
