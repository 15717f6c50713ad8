"""The escalation policy of urgent notices, pure (standard library only; table-tested in
``tests/test_outbound_flow.py``).

An urgent notice ("not at school", a school-wide message, an emergency) goes, for each guardian
in the family's order (the first linked first): **SMS → voice → e-mail**, the voice in retry
rounds (default 3, 10 minutes apart) while the call is busy, unanswered, failed or taken by an
answering machine; then the next guardian. It stops as soon as any guardian is reached (a person
answered) or acknowledges (a keypad answer, a portal "seen", an SMS reply). Normal notices
(grades…) have no plan: they keep the outbox's behaviour.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SMS = "sms"
VOICE = "voice"
EMAIL = "email"

# what a call ended as (from Twilio's CallStatus, AnsweredBy and the flow's outcome)
REACHED = "reached"
MACHINE = "machine"
BUSY = "busy"
NO_ANSWER = "no_answer"
FAILED = "failed"
RESULTS = (REACHED, MACHINE, BUSY, NO_ANSWER, FAILED)

FINAL_CALL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
# Twilio's call statuses in the order a call passes them; a callback never moves a call back
CALL_STATUS_ORDER = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3}


@dataclass(frozen=True)
class Contact:
    guardian_id: int
    phone: bool  # a verified phone number
    email: bool  # a verified e-mail address


@dataclass(frozen=True)
class Step:
    guardian_id: int
    channel: str  # sms | voice | email
    round: int = 1  # voice: 1..rounds
    wait_minutes: int = 0  # how long after the previous step ended this one is due


def plan(contacts: Sequence[Contact], *, rounds: int = 3, gap_minutes: int = 10) -> list[Step]:
    """The steps of an urgent notice, in order. A guardian without a phone gets only the
    e-mail; one with neither is skipped. ``rounds`` below 1 counts as 1."""
    rounds = max(1, rounds)
    steps: list[Step] = []
    for contact in contacts:
        if contact.phone:
            steps.append(Step(contact.guardian_id, SMS))
            steps.extend(
                Step(contact.guardian_id, VOICE, n, 0 if n == 1 else gap_minutes)
                for n in range(1, rounds + 1)
            )
        if contact.email:
            steps.append(Step(contact.guardian_id, EMAIL))
    return steps


def voice_only_plan(
    contacts: Sequence[Contact], *, rounds: int = 3, gap_minutes: int = 10
) -> list[Step]:
    """A school-wide voice message: the voice rounds of each guardian in turn, no SMS/e-mail."""
    return [s for s in plan(contacts, rounds=rounds, gap_minutes=gap_minutes) if s.channel == VOICE]


def alert_channels(choice: str, phone: bool, email: bool) -> tuple[str, ...]:
    """The channels a staff member or the duty contact is told by at once: their choice
    (``sms``, ``email`` or ``both``; anything else counts as both) where they have the address;
    when the chosen one is missing, the other one, so that they are told at all."""
    wanted = {"sms": (SMS,), "email": (EMAIL,)}.get(choice, (SMS, EMAIL))
    have = {SMS: phone, EMAIL: email}
    chosen = tuple(c for c in wanted if have[c])
    return chosen or tuple(c for c in (EMAIL, SMS) if have[c])[:1]


def call_result(call_status: str, answered_by: str = "", flow_outcome: str | None = None) -> str:
    """What one call ended as. A machine never counts as reached, whatever the status says."""
    by = answered_by.strip().lower()
    if flow_outcome == "machine" or by.startswith("machine") or by == "fax":
        return MACHINE
    if call_status == "completed":
        return REACHED
    if call_status == "busy":
        return BUSY
    if call_status in ("no-answer", "canceled"):
        return NO_ANSWER
    return FAILED


def is_final(call_status: str) -> bool:
    return call_status in FINAL_CALL_STATUSES


def moves_forward(old: str | None, new: str) -> bool:
    """A status callback may arrive twice or out of order: only a later status is taken, and a
    final status is never replaced."""
    if old is None:
        return True
    if is_final(old):
        return False
    if is_final(new):
        return True
    return CALL_STATUS_ORDER.get(new, -1) > CALL_STATUS_ORDER.get(old, -1)


def round_seconds(families: int, calls_per_second: float) -> int:
    """How long placing one call to each of ``families`` takes at the account's rate (the
    first call at once), whole seconds rounded up; the calls themselves last beyond it."""
    if families <= 0:
        return 0
    if calls_per_second <= 0:
        raise ValueError("calls per second must be positive")
    return math.ceil((families - 1) / calls_per_second)
