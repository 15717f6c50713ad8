"""The outbound call, as a pure state machine: what the line says when it calls a family and
what each key does. Standard library and ``ivr.speech`` (itself pure) only; table-tested in
``tests/test_outbound_flow.py``. The webhooks (``ivr/outbound_views.py``) load the call's row,
feed one event in and store the new state with the TwiML built from the answer.

Two scripts:

* **not at school** — "Здравейте, обажда се Бележник от <училище>. Иван отсъства днес в първи и
  втори час." then the menu: 1 "знам", 2 "не знаех" (the class teacher and the school's duty
  contact are told at once), 0 repeat. Twins: one call naming both.
* **broadcast** — the school's text, then 1 "чух" (acknowledged), 0 repeat.

An answering machine (``AnsweredBy`` machine_* or fax) gets a short message naming neither the
child nor the matter, only the school's number, and the call does not count as reached.
A wrong key says so and repeats the menu; silence repeats it twice, the third time the line says
goodbye (a person heard the message: reached, no key).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from ivr.speech import join_list
from ivr.speech import ordinal_words
from ivr.speech import spell_digits
from ivr.speech import with_preposition

NOT_AT_SCHOOL = "not_at_school"
BROADCAST = "broadcast"
MAX_SILENCES = 2  # the menu is repeated this many times on silence, then goodbye

# outcomes a call can end with (stored on the call; the escalation reads them)
KNOWN = "known"  # key 1: the parent knew (or acknowledged a broadcast)
NOT_KNOWN = "not_known"  # key 2: the parent did not know: tell the class teacher and duty contact
HEARD = "heard"  # a person heard the message and pressed nothing
MACHINE = "machine"  # an answering machine got the short message

# Everything the outbound line says (the catalogue of this module's sentences).
TEXTS: dict[str, str] = {
    "greeting": "Здравейте, обажда се Бележник от {school}.",
    "absent_one": "{name} отсъства днес {lessons}.",
    "absent_many": "{names} отсъстват днес {lessons}.",
    "absence_menu": (
        "Ако знаете за отсъствието, натиснете едно. Ако не знаехте, натиснете две. "
        "За да чуете съобщението отново, натиснете нула."
    ),
    "broadcast_lead": "Съобщение от училището.",
    "broadcast_menu": (
        "За да потвърдите, че сте чули съобщението, натиснете едно. "
        "За да го чуете отново, натиснете нула."
    ),
    "thanks_known": "Благодарим ви. Отбелязахме, че знаете за отсъствието. Довиждане.",
    "thanks_not_known": (
        "Благодарим ви. Класният ръководител и дежурният в училището са уведомени веднага. "
        "Довиждане."
    ),
    "thanks_ack": "Благодарим ви. Довиждане.",
    "wrong_key": "Този клавиш не е в менюто.",
    "no_answer_goodbye": "Не получихме отговор. Довиждане.",
    "machine": (
        "Здравейте, обажда се Бележник от {school} със спешно съобщение. "
        "Моля, обадете се на училището на телефон {phone}. Довиждане."
    ),
    "machine_no_phone": (
        "Здравейте, обажда се Бележник от {school} със спешно съобщение. "
        "Моля, свържете се с училището. Довиждане."
    ),
}


@dataclass(frozen=True)
class Absent:
    """One child and the periods (1, 2, …) missed today."""

    name: str
    periods: tuple[int, ...]


@dataclass(frozen=True)
class Script:
    """What the call is about (built by the service from the notice)."""

    purpose: str
    school: str
    school_phone: str = ""  # national digits, "024001234"; spelled out for machines
    absent: tuple[Absent, ...] = ()
    text: str = ""  # broadcast: the school's words (no digits: checked when typed)


# events -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answered:
    answered_by: str = ""  # Twilio's AnsweredBy; empty when machine detection gave nothing


@dataclass(frozen=True)
class Key:
    digits: str


@dataclass(frozen=True)
class Quiet:
    pass


Event = Answered | Key | Quiet


@dataclass
class Step:
    """One answer: sentences, then either a one-key gather or a hang-up; the new state; the
    outcome when the call's result is decided by this step."""

    speech: list[str]
    gather: bool
    state: dict[str, Any] = field(default_factory=dict)
    outcome: str | None = None


# wording ----------------------------------------------------------------------------------------
def lessons_phrase(periods: Sequence[int]) -> str:
    """ "в първи час", "в първи и втори час", "във втори и трети час", "в първи, втори и трети
    час": the periods as masculine ordinals, the preposition fitted to the first word."""
    ordered = sorted(set(periods))
    if not ordered:
        raise ValueError("no periods")
    words = [ordinal_words(p, "m") for p in ordered]
    return with_preposition("в", f"{join_list(words)} час")


def absence_sentences(absent: Sequence[Absent]) -> list[str]:
    """One sentence for children who missed the same lessons (twins), one per child otherwise."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for child in absent:
        groups.setdefault(tuple(sorted(set(child.periods))), []).append(child.name)
    sentences = []
    for periods, names in groups.items():
        lessons = lessons_phrase(periods)
        if len(names) == 1:
            sentences.append(TEXTS["absent_one"].format(name=names[0], lessons=lessons))
        else:
            sentences.append(TEXTS["absent_many"].format(names=join_list(names), lessons=lessons))
    return sentences


def is_machine(answered_by: str) -> bool:
    """Twilio's AnsweredBy: machine_start, machine_end_beep/_silence/_other, fax → a machine;
    human, unknown or nothing → a person (a person must not be hung up on)."""
    value = answered_by.strip().lower()
    return value.startswith("machine") or value == "fax"


def _message(script: Script) -> list[str]:
    lead = [TEXTS["greeting"].format(school=script.school)]
    if script.purpose == NOT_AT_SCHOOL:
        return lead + absence_sentences(script.absent)
    if script.purpose == BROADCAST:
        return [*lead, TEXTS["broadcast_lead"], script.text]
    raise ValueError(f"unknown purpose {script.purpose!r}")


def _menu(script: Script) -> str:
    return TEXTS["absence_menu" if script.purpose == NOT_AT_SCHOOL else "broadcast_menu"]


def _with_menu(script: Script, lead: list[str], silences: int) -> Step:
    return Step([*lead, _menu(script)], True, {"phase": "menu", "silences": silences})


# the machine ------------------------------------------------------------------------------------
def step(script: Script, state: dict[str, Any], event: Event) -> Step:
    """The answer to ``event`` in ``state`` (``{}`` before the call is answered)."""
    phase = state.get("phase", "start")
    silences = int(state.get("silences", 0))
    if isinstance(event, Answered) or phase == "start":
        answered_by = event.answered_by if isinstance(event, Answered) else ""
        if is_machine(answered_by):
            phone = spell_digits(script.school_phone)
            text = (
                TEXTS["machine"].format(school=script.school, phone=phone)
                if phone
                else TEXTS["machine_no_phone"].format(school=script.school)
            )
            return Step([text], False, {"phase": "done"}, MACHINE)
        return _with_menu(script, _message(script), 0)
    if phase == "done":
        return Step([], False, dict(state))
    if isinstance(event, Quiet):
        if silences >= MAX_SILENCES:
            return Step([TEXTS["no_answer_goodbye"]], False, {"phase": "done"}, HEARD)
        return _with_menu(script, [], silences + 1)
    key = event.digits.strip()[:1]
    if key == "0":
        return _with_menu(script, _message(script), silences)
    if key == "1":
        thanks = "thanks_known" if script.purpose == NOT_AT_SCHOOL else "thanks_ack"
        return Step([TEXTS[thanks]], False, {"phase": "done"}, KNOWN)
    if key == "2" and script.purpose == NOT_AT_SCHOOL:
        return Step([TEXTS["thanks_not_known"]], False, {"phase": "done"}, NOT_KNOWN)
    return _with_menu(script, [TEXTS["wrong_key"]], silences)
