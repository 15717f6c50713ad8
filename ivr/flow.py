"""The call flow of the phone line as a pure state machine (standard library only).

``advance(call, event, services)`` takes the call's state (``CallState``: a state name, a JSON
dict of data, the failure count and the menus visited), one input (``Start``, ``Digits(...)``
or ``Silence``) and the ``Services`` the flow needs from the outside world (who is calling,
lookups, PIN checks, throttling, summaries), mutates the state and returns a ``Reply``: the
speech to say (``Say`` for dynamic text, ``Prompt`` for a fixed catalogue sentence) and how the
step ends (``Gather`` keys, ``Redirect`` or ``Hangup``). ``ivr.twiml`` renders replies as TwiML;
``ivr.views`` keeps the state in the database per CallSid.

States: ``start`` → (``choose_child`` →) ``pin`` → ``menu`` (⇄ ``grades``) or ``code`` →
``pin`` → ``menu``; ``end`` after a goodbye.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Protocol

from ivr import content
from ivr import speech
from ivr import speech_input
from prompts.catalog import PROMPTS

MAX_CALL_FAILURES = 3
MAX_SILENCES = 2  # re-prompts after silence; the next silence says goodbye
GATHER_TIMEOUT = 6
MENU_DIGITS = ("1", "2", "3", "4", "5", "6", "7")
NOTE_KEY = "8"  # "to tell the school that <name> is absent today, press 8"


# --- outputs ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Prompt:
    id: str

    def __post_init__(self) -> None:
        if self.id not in PROMPTS:
            raise ValueError(f"unknown prompt {self.id!r}")


@dataclass(frozen=True)
class Gather:
    num_digits: int | None = None  # None: until finish_on_key or timeout
    finish_on_key: str = "#"
    timeout: int = GATHER_TIMEOUT
    hints: str | None = None  # speech too (input="dtmf speech") with these hints; None: keys only


@dataclass(frozen=True)
class Redirect:
    pass


@dataclass(frozen=True)
class Hangup:
    pass


Speech = Say | Prompt
Ending = Gather | Redirect | Hangup


@dataclass
class Reply:
    speech: list[Speech]
    end: Ending

    def texts(self) -> list[str]:
        return [PROMPTS[s.id] if isinstance(s, Prompt) else s.text for s in self.speech]


# --- inputs -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Start:
    pass


@dataclass(frozen=True)
class Digits:
    value: str


@dataclass(frozen=True)
class Silence:
    pass


@dataclass(frozen=True)
class Spoken:
    """What the caller said (Twilio's ``SpeechResult`` and ``Confidence``, 0–1 or None)."""

    text: str
    confidence: float | None = None


Event = Start | Digits | Silence | Spoken


# --- what the flow needs from outside -----------------------------------------------------------
@dataclass(frozen=True)
class Child:
    student_id: int
    first_name: str
    school_year_id: int | None = None


@dataclass(frozen=True)
class Caller:
    guardian_id: int
    children: tuple[Child, ...]


class Services(Protocol):
    def today(self) -> dt.date: ...

    def now(self) -> dt.datetime:
        """The current time, naive UTC (as the grades' time stamps)."""

    def caller(self, number: str) -> Caller | None:
        """A registered parent with a PIN and linked students whose phone is ``number``."""

    def children_of(self, guardian_id: int) -> tuple[Child, ...]: ...

    def code_valid(self, code: str) -> bool:
        """The check digit (no lookup)."""

    def student_by_code(self, code: str) -> Child | None: ...

    def verify_pin(self, pin: str, student_id: int | None, guardian_id: int | None) -> int | None:
        """The id of the guardian of ``student_id`` (or ``guardian_id`` itself) whose PIN this
        is; None when wrong or when there is no such student."""

    def locked(self, number: str) -> bool:
        """The number's limit (or hidden numbers' shared one) is reached: refuse at once."""

    def attempt(self, number: str, student_ids: tuple[int, ...]) -> bool:
        """Count one PIN attempt, atomically, before the PIN is checked: against the number and
        each child it could open (hourly, and the children's hard stop). False: refuse it."""

    def failed(self, number: str, student_ids: tuple[int, ...]) -> bool:
        """The PIN was wrong: count it in a row for each child. True when no attempt is left
        (a limit of the number or of a child is now reached)."""

    def succeeded(self, number: str, student_ids: tuple[int, ...]) -> None:
        """The PIN was right: give the attempt back; the children's counts in a row restart."""

    def lockout(self, number: str, per_child: bool) -> None:
        """Log a refused call for the school."""

    def begin(self, guardian_id: int, student_id: int) -> dt.datetime | None:
        """Start listening to a child: returns the previous call time (naive UTC) and sets now."""

    def summary(self, child: Child) -> dict[str, Any]: ...

    def class_summary(self, summary: dict[str, Any]) -> dict[str, Any] | None: ...

    def send_note(
        self, child: Child, guardian_id: int, day: dt.date, from_period: int | None, reason: str
    ) -> NoteResult:
        """Send a parent's note for ``day`` (the whole day or from lesson ``from_period`` on)."""

    def min_confidence(self) -> float:
        """The speech confidence below which a transcript is not trusted."""


@dataclass(frozen=True)
class NoteResult:
    """What became of a note sent by phone: ``problem`` None when sent (``note_id``), else
    ``year_limit``, ``in_row``, ``overlap``, ``no_school_day`` or ``other``; ``left`` the days
    the parent may still excuse this year, ``in_row`` the school's limit of days in a row."""

    problem: str | None
    left: int
    in_row: int = 5
    note_id: int | None = None


# --- state ------------------------------------------------------------------------------------
@dataclass
class CallState:
    name: str = "start"
    data: dict[str, Any] = field(default_factory=dict)
    failures: int = 0
    menus: list[str] = field(default_factory=list)
    from_number: str = ""


def _gather_prompt(call: CallState) -> tuple[list[Speech], Gather]:
    """What a state asks (said again after silence or a wrong key) and how it gathers."""
    name = call.name
    if name == "code":
        return [Prompt("ask_code")], Gather(num_digits=None, finish_on_key="#")
    if name == "pin":
        return [Prompt("ask_pin")], Gather(num_digits=None, finish_on_key="#")
    if name == "choose_child":
        options = [
            Say(f"За {c['name']} натиснете {speech.number_words(i + 1, 'n')}.")
            for i, c in enumerate(call.data.get("children", []))
        ]
        names = ", ".join(c["name"] for c in call.data.get("children", []))
        return options, Gather(num_digits=1, finish_on_key="", hints=names or None)
    if name == "grades":
        return [Prompt("more_grades")], _menu_gather(speech_input.MORE_GRADES_WORDS)
    if name in NOTE_STATES:
        return _note_prompt(call)
    return [_note_offer(call), Prompt("menu")], _menu_gather(speech_input.MENU_WORDS)


def _menu_gather(vocabulary: speech_input.Vocabulary) -> Gather:
    return Gather(num_digits=1, finish_on_key="", hints=speech_input.hints(vocabulary))


def _note_offer(call: CallState) -> Say:
    name = (call.data.get("child") or {}).get("name", "")
    return Say(f"За да съобщите на училището, че {name} отсъства днес, натиснете осем.")


def _ask(call: CallState, before: list[Speech] | None = None) -> Reply:
    speech_items, gather = _gather_prompt(call)
    return Reply(list(before or []) + speech_items, gather)


def _goodbye(call: CallState, prompt: str = "goodbye", before: list[Speech] | None = None) -> Reply:
    call.name = "end"
    return Reply(list(before or []) + [Prompt(prompt)], Hangup())


def advance(call: CallState, event: Event, svc: Services) -> Reply:
    """One step of the call. Mutates ``call``; returns what to say and how to go on."""
    if call.name == "end":
        return _goodbye(call)
    if call.name == "start":
        return _start(call, svc)
    if isinstance(event, Start):  # a late duplicate of the first request: ask again, reset nothing
        return _ask(call)
    if isinstance(event, Spoken) and event.text.strip():
        key = _heard(call, event, svc)
        if key is None:
            return _ask(call, [Prompt("not_understood")])
        event = Digits(key)
    elif isinstance(event, Spoken):
        event = Silence()
    if isinstance(event, Silence) or (isinstance(event, Digits) and not event.value):
        silences = call.data.get("silence", 0) + 1
        call.data["silence"] = silences
        if silences > MAX_SILENCES:
            return _goodbye(call)
        return _ask(call, [Prompt("no_input")])
    call.data["silence"] = 0
    digits = event.value
    handler = {
        "choose_child": _choose_child,
        "code": _code,
        "pin": _pin,
        "menu": _menu,
        "grades": _menu,
        **NOTE_HANDLERS,
    }[call.name]
    return handler(call, digits, svc)


def _start(call: CallState, svc: Services) -> Reply:
    call.data = {"silence": 0}
    number = call.from_number
    if svc.locked(number):
        svc.lockout(number, False)
        return _goodbye(call, "locked")
    caller = svc.caller(number) if number else None  # a hidden number is never recognised
    if caller is not None and caller.children:
        # caller ID can be spoofed: nothing about the children is said before the PIN
        call.data["guardian_id"] = caller.guardian_id
        call.data["children"] = [_child_dict(c) for c in caller.children[:8]]
        call.name = "pin"
        return _ask(call, [Prompt("welcome")])
    call.name = "code"
    return _ask(call, [Prompt("welcome")])


def _child_dict(c: Child) -> dict[str, Any]:
    return {"id": c.student_id, "name": c.first_name, "year": c.school_year_id}


def _offer_children(
    call: CallState, children: tuple[Child, ...], before: list[Speech], svc: Services
) -> Reply:
    """After the PIN: one child is heard at once; several are offered by name."""
    call.data["authenticated"] = True
    if len(children) == 1:
        call.data["child"] = _child_dict(children[0])
        return _listen(call, svc)
    call.data["children"] = [_child_dict(c) for c in children[:8]]
    call.name = "choose_child"
    return _ask(call, before)


def _choose_child(call: CallState, digits: str, svc: Services) -> Reply:
    children = call.data.get("children", [])
    if not (re.fullmatch(r"[0-9]{1,2}", digits) and 1 <= int(digits) <= len(children)):
        return _ask(call, [Prompt("invalid_choice")])
    call.data["child"] = children[int(digits) - 1]
    if call.data.get("authenticated"):
        return _listen(call, svc)
    call.name = "pin"
    return _ask(call)


def _fail(call: CallState, svc: Services, student_ids: tuple[int, ...], prompt: str) -> Reply:
    """A failed code or PIN: three per call → goodbye; a wrong PIN is also counted in a row for
    the children (the attempt itself was counted before the check)."""
    call.failures += 1
    spent = prompt == "wrong_credentials" and svc.failed(call.from_number, student_ids)
    if call.failures >= MAX_CALL_FAILURES:
        return _goodbye(call, "too_many_failures", [Prompt(prompt)])
    if spent:
        svc.lockout(call.from_number, bool(student_ids))
        return _goodbye(call, "locked", [Prompt(prompt)])
    # with caller ID the parent only retries the PIN; otherwise code and PIN again
    call.name = "pin" if call.data.get("guardian_id") and "code" not in call.data else "code"
    return _ask(call, [Prompt(prompt)])


def _code(call: CallState, digits: str, svc: Services) -> Reply:
    code = digits.replace("*", "").rstrip("#")
    if not svc.code_valid(code):
        return _fail(call, svc, (), "bad_code")  # refused at once, no lookup
    # no limit is asked here: the PIN step counts the attempt (code and PIN) before checking it
    child = svc.student_by_code(code)
    call.data["code"] = code
    # an unknown code still asks for the PIN: a wrong code and a wrong PIN sound the same
    call.data["child"] = _child_dict(child) if child else None
    call.name = "pin"
    return _ask(call)


def _guessed(call: CallState) -> tuple[int, ...]:
    """The children a PIN typed now could open: the typed code's child, or with caller ID (a
    number that can be spoofed) each child of the recognised parent."""
    child = call.data.get("child")
    if call.data.get("code") or child:
        return (int(child["id"]),) if child else ()
    return tuple(int(c["id"]) for c in call.data.get("children", []))


def _pin(call: CallState, digits: str, svc: Services) -> Reply:
    pin = digits.rstrip("#")
    code = call.data.get("code")
    ids = _guessed(call)
    if not svc.attempt(call.from_number, ids):
        svc.lockout(call.from_number, bool(ids))
        return _goodbye(call, "locked")
    child = call.data.get("child")
    guardian_hint = None if code else call.data.get("guardian_id")
    target = child["id"] if child else (ids[0] if ids and guardian_hint else None)
    guardian_id = svc.verify_pin(pin, target, guardian_hint) if pin.isdigit() else None
    if guardian_id is None or target is None:
        return _fail(call, svc, ids, "wrong_credentials")
    svc.succeeded(call.from_number, ids)
    call.data["guardian_id"] = guardian_id
    call.data["authenticated"] = True
    call.data.pop("code", None)
    if child:
        return _listen(call, svc)
    children = tuple(_child(c) for c in call.data.pop("children", []))
    return _offer_children(call, children, [], svc)


def _child(c: dict[str, Any]) -> Child:
    return Child(c["id"], c["name"], c.get("year"))


def _listen(call: CallState, svc: Services) -> Reply:
    """Right after the PIN (or choosing another child): the headline, then the menu."""
    call.name = "menu"
    call.data["last"] = None
    call.data["grades_offset"] = 0
    child = _child(call.data["child"])
    since = svc.begin(call.data["guardian_id"], child.student_id)
    summary = svc.summary(child)
    lines = content.headline(summary, svc.today(), since, svc.now())
    return _ask(call, [Say(line) for line in lines])


def _content(call: CallState, choice: str, svc: Services, offset: int = 0) -> list[Speech]:
    summary = svc.summary(_child(call.data["child"]))
    today = svc.today()
    if choice == "1":
        lines, more = content.latest_grades(summary, today, offset)
        call.data["grades_offset"] = offset
        call.name = "grades" if more else "menu"
    else:
        call.name = "menu"
        if choice == "2":
            lines = content.absences(summary, today)
        elif choice == "3":
            lines = content.averages(summary, today)
        elif choice == "4":
            lines = content.remarks(summary, today)
        elif choice == "5":
            lines = content.coming(summary, today)
        elif choice == "6":
            lines = content.timetable(summary, today)
        else:
            lines = content.compare(summary, svc.class_summary(summary), today)
    return [Say(line) for line in lines]


def _after(call: CallState, said: list[Speech]) -> Reply:
    if call.name == "grades":
        return Reply(said + [Prompt("more_grades")], _menu_gather(speech_input.MORE_GRADES_WORDS))
    return Reply(said + [Prompt("after_content")], _menu_gather(speech_input.MENU_WORDS))


def _menu(call: CallState, digits: str, svc: Services) -> Reply:
    key = digits[:1]
    if call.name == "grades" and key == "1":
        offset = call.data.get("grades_offset", 0) + content.GRADES_PAGE
        return _after(call, _content(call, "1", svc, offset))
    call.name = "menu"
    if key in MENU_DIGITS:
        call.menus.append(key)
        call.data["last"] = key
        return _after(call, _content(call, key, svc))
    if key == "0":
        last = call.data.get("last")
        if last:
            return _after(call, _content(call, last, svc, call.data.get("grades_offset", 0)))
        return _ask(call)
    if key == "*":
        return _ask(call)
    if key == NOTE_KEY:
        call.menus.append(NOTE_KEY)
        call.data["note"] = {}
        call.name = "note_day"
        return _ask(call)
    if key == "9":
        call.menus.append("9")
        children = svc.children_of(call.data["guardian_id"])
        others = tuple(c for c in children if c.student_id != call.data["child"]["id"])
        if not others:
            call.data = {"silence": 0, "heard": call.data.get("heard", [])}  # the log keeps them
            call.name = "code"
            return Reply([Prompt("no_children")], Gather(num_digits=None, finish_on_key="#"))
        return _offer_children(call, others, [Prompt("choose_child")], svc)
    return _ask(call, [Prompt("invalid_choice")])


# --- what the caller said ------------------------------------------------------------------------
MAX_HEARD = 30


def _vocabulary(call: CallState) -> speech_input.Vocabulary | None:
    """The words of the state the caller is in (None: keys only, a code or a PIN)."""
    name = call.name
    if name == "menu":
        return speech_input.MENU_WORDS
    if name == "grades":
        merged = dict(speech_input.MENU_WORDS)
        merged["1"] = (*speech_input.MORE_GRADES_WORDS["1"], *merged["1"])
        return merged
    if name == "choose_child":
        return speech_input.names_vocabulary([c["name"] for c in call.data.get("children", [])])
    return NOTE_VOCABULARY.get(name)


def _heard(call: CallState, event: Spoken, svc: Services) -> str | None:
    """The key the caller's words choose here (None: not understood); logged for the call log."""
    vocabulary = _vocabulary(call)
    key = None
    if vocabulary is not None:
        key = speech_input.match(
            event.text, vocabulary, event.confidence, min_confidence=svc.min_confidence()
        )
    heard = call.data.setdefault("said", [])
    if len(heard) < MAX_HEARD:
        heard.append(
            {"text": event.text[:100], "confidence": event.confidence, "key": key, "at": call.name}
        )
    return key


# --- a parent's note by phone (menu key 8) --------------------------------------------------------
NOTE_STATES = ("note_day", "note_span", "note_period", "note_reason", "note_confirm")
NOTE_VOCABULARY: dict[str, speech_input.Vocabulary] = {
    "note_day": speech_input.NOTE_DAY_WORDS,
    "note_span": speech_input.NOTE_SPAN_WORDS,
    "note_period": speech_input.NOTE_PERIOD_WORDS,
    "note_reason": speech_input.NOTE_REASON_WORDS,
    "note_confirm": speech_input.CONFIRM_WORDS,
}
NOTE_REASONS = {"1": "health", "2": "family", "3": "other"}
REASON_WORDS = {"health": "здравословни", "family": "семейни", "other": "други"}


def _note_prompt(call: CallState) -> tuple[list[Speech], Gather]:
    name = call.name
    gather = _menu_gather(NOTE_VOCABULARY[name])
    if name == "note_confirm":
        return [Say(_note_read_back(call)), Prompt("note_confirm")], gather
    return [Prompt(name)], gather


def _note_read_back(call: CallState) -> str:
    note = call.data.get("note") or {}
    child = (call.data.get("child") or {}).get("name", "")
    day = dt.date.fromisoformat(note["day"])
    when = "днес" if note.get("today") else "утре"
    period = note.get("from")
    span = (
        "целия ден"
        if period is None
        else f"от {speech.ordinal_words(int(period))} час нататък"
        if period
        else "от нулевия час нататък"
    )
    reason = REASON_WORDS.get(note.get("reason", ""), "други")
    return (
        f"{child} отсъства {when}, {speech.date_words(day, with_weekday=True)}, {span}, "
        f"по {reason} причини."
    )


def _note_back(call: CallState) -> Reply:
    call.name = "menu"
    call.data.pop("note", None)
    return _ask(call)


def _note_day(call: CallState, digits: str, svc: Services) -> Reply:
    key = digits[:1]
    if key == "*":
        return _note_back(call)
    if key not in ("1", "2"):
        return _ask(call, [Prompt("invalid_choice")])
    today = svc.today()
    day = today if key == "1" else today + dt.timedelta(days=1)
    call.data["note"] = {"day": day.isoformat(), "today": key == "1"}
    call.name = "note_span"
    if svc.summary(_child(call.data["child"]))["student"].get("grade_level") == 0:
        call.data["note"]["from"] = None  # a ПГ child: a day, no lessons to start from
        call.name = "note_reason"
    return _ask(call)


def _note_span(call: CallState, digits: str, svc: Services) -> Reply:
    key = digits[:1]
    if key == "*":
        return _note_back(call)
    if key == "1":
        call.data["note"]["from"] = None
        call.name = "note_reason"
    elif key == "2":
        call.name = "note_period"
    else:
        return _ask(call, [Prompt("invalid_choice")])
    return _ask(call)


def _note_period(call: CallState, digits: str, svc: Services) -> Reply:
    key = digits[:1]
    if key == "*":
        return _note_back(call)
    if not ("1" <= key <= "9"):
        return _ask(call, [Prompt("invalid_choice")])
    call.data["note"]["from"] = int(key)
    call.name = "note_reason"
    return _ask(call)


def _note_reason(call: CallState, digits: str, svc: Services) -> Reply:
    key = digits[:1]
    if key == "*":
        return _note_back(call)
    if key not in NOTE_REASONS:
        return _ask(call, [Prompt("invalid_choice")])
    call.data["note"]["reason"] = NOTE_REASONS[key]
    call.name = "note_confirm"
    return _ask(call)


def _note_confirm(call: CallState, digits: str, svc: Services) -> Reply:
    key = digits[:1]
    if key == "*":
        call.name = "menu"
        call.data.pop("note", None)
        return _ask(call, [Prompt("note_cancelled")])
    if key != "1":
        return _ask(call, [Prompt("invalid_choice")])
    note = call.data.pop("note")
    child = _child(call.data["child"])
    day = dt.date.fromisoformat(note["day"])
    result = svc.send_note(child, call.data["guardian_id"], day, note.get("from"), note["reason"])
    call.data.setdefault("notes", []).append(
        {
            "id": result.note_id,
            "student": child.student_id,
            "day": note["day"],
            "from": note.get("from"),
            "reason": note["reason"],
            "problem": result.problem,
        }
    )
    call.name = "menu"
    return Reply(
        _note_outcome(result) + [Prompt("after_content")], _menu_gather(speech_input.MENU_WORDS)
    )


def _note_outcome(result: NoteResult) -> list[Speech]:
    """What the parent hears after sending: sent, with the days left, or why not."""
    left = speech.count_phrase(result.left, "ден")
    if result.problem is None:
        return [
            Prompt("note_sent"),
            Say(f"За тази учебна година остават {left} за извиняване с бележка."),
        ]
    if result.problem == "year_limit":
        return [
            Say(
                f"Бележката не е изпратена: за тази учебна година остават само {left} за извиняване с бележка. Обърнете се към класния ръководител."
            )
        ]
    if result.problem == "in_row":
        most = speech.count_phrase(result.in_row, "ден")
        return [
            Say(
                f"Бележката не е изпратена: с бележка от родител се извиняват най-много {most} наведнъж. Обърнете се към класния ръководител."
            )
        ]
    if result.problem == "overlap":
        return [Prompt("note_overlap")]
    if result.problem == "no_school_day":
        return [Prompt("note_no_school_day")]
    return [Prompt("note_failed")]


NOTE_HANDLERS = {
    "note_day": _note_day,
    "note_span": _note_span,
    "note_period": _note_period,
    "note_reason": _note_reason,
    "note_confirm": _note_confirm,
}
