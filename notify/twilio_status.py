"""Twilio's status values for calls and messages, and the one rule for moving between them.

Status callbacks arrive late, twice, out of order, or forged by someone holding the auth token:
a status is recorded only when it is one of Twilio's own values and moves *forward*. A final
state is never left; an earlier state after a later one is ignored; a value Twilio does not send
is refused (the caller logs it and answers 2xx without a change). Pure: standard library only.

Call: ``queued → initiated → ringing → in-progress → completed | busy | failed | no-answer |
canceled``. ``unknown`` is our own mark for a call whose end was lost (``ivr/reconcile.py``): a
final value from Twilio still replaces it, an earlier one does not.

Message (outbound): ``accepted | scheduled → queued → sending → sent → delivered → read``, with
``failed``, ``undelivered`` and ``read`` as ends: ``delivered`` may still become ``read``
(WhatsApp) or ``undelivered`` (a carrier's late report). ``receiving`` and ``received`` describe
inbound messages: known, never recorded on an outbound row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Progression:
    """Ranks of the states a record may hold; a higher rank is later."""

    twilio: Mapping[str, int]  # the values Twilio sends (and their ranks)
    final: frozenset[str]  # never left
    local: Mapping[str, int]  # our own marks a record may hold (never accepted from Twilio)
    ignored: frozenset[str] = frozenset()  # Twilio's values that never apply to this record

    def known(self, value: str) -> bool:
        return value in self.twilio or value in self.ignored

    def advance(self, current: str | None, incoming: str) -> str | None:
        """``incoming`` when the record should move to it, else ``None`` (unknown value, stale,
        a repeat, or the record already final)."""
        rank = self.twilio.get(incoming)
        if rank is None:
            return None
        if not current:
            return incoming
        if current in self.final:
            return None
        held = self.twilio.get(current, self.local.get(current))
        if held is None:  # a value stored before this rule existed: Twilio's word wins
            return incoming
        return incoming if rank > held else None


CALL_FINAL = ("completed", "busy", "failed", "no-answer", "canceled")

CALL = Progression(
    twilio={
        "queued": 0,
        "initiated": 1,
        "ringing": 2,
        "in-progress": 3,
        **dict.fromkeys(CALL_FINAL, 5),
    },
    final=frozenset(CALL_FINAL),
    local={"unknown": 4},
)

MESSAGE = Progression(
    twilio={
        "accepted": 0,
        "scheduled": 0,
        "queued": 1,
        "sending": 2,
        "sent": 3,
        "delivered": 4,
        "undelivered": 5,
        "failed": 5,
        "read": 5,
    },
    final=frozenset({"failed", "undelivered", "read"}),
    local={},
    ignored=frozenset({"receiving", "received"}),
)
