"""The call flow as a pure state machine: tables of state × input → state, speech, ending."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ivr import flow
from ivr.flow import CallState
from ivr.flow import Digits
from ivr.flow import Gather
from ivr.flow import Hangup
from ivr.flow import Prompt
from ivr.flow import Say
from ivr.flow import Silence
from ivr.flow import Start
from tests.test_ivr_content import payload

CODE_OK = "4363387503"  # any string the fake accepts as passing the check digit
IVAN = flow.Child(1, "Иван", 10)
MARIA = flow.Child(2, "Мария", 10)

SUMMARY = payload(student={"first_name": "Иван", "qualitative": False, "class_id": 5}, subjects=[])


class Fake:
    """flow.Services in memory: one parent (+359881) with Иван (and Мария when ``two``)."""

    def __init__(
        self, two: bool = False, locked_numbers: tuple[str, ...] = (), attempts: int = 99
    ) -> None:
        self.children = (IVAN, MARIA) if two else (IVAN,)
        self.attempts: list[tuple[str, tuple[int, ...]]] = []  # reserved before each PIN check
        self.failures: list[tuple[str, tuple[int, ...]]] = []
        self.successes: list[tuple[str, tuple[int, ...]]] = []
        self.lockouts: list[tuple[str, bool]] = []
        self.locked_numbers = set(locked_numbers)
        self.left = attempts  # PIN attempts the limits allow
        self.begun: list[tuple[int, int]] = []

    def today(self) -> dt.date:
        return dt.date(2026, 11, 25)

    def now(self) -> dt.datetime:
        return dt.datetime(2026, 11, 25, 12, 0)

    def caller(self, number: str) -> flow.Caller | None:
        return flow.Caller(7, self.children) if number == "+359881" else None

    def children_of(self, guardian_id: int) -> tuple[flow.Child, ...]:
        return self.children

    def code_valid(self, code: str) -> bool:
        return code in (CODE_OK, "1111111111")

    def student_by_code(self, code: str) -> flow.Child | None:
        return IVAN if code == CODE_OK else None

    def verify_pin(self, pin: str, student_id: int | None, guardian_id: int | None) -> int | None:
        return 7 if pin == "2580" and student_id in (1, 2) else None

    def locked(self, number: str) -> bool:
        return number in self.locked_numbers

    def attempt(self, number: str, student_ids: tuple[int, ...]) -> bool:
        self.attempts.append((number, student_ids))
        self.left -= 1
        return self.left >= 0

    def failed(self, number: str, student_ids: tuple[int, ...]) -> bool:
        self.failures.append((number, student_ids))
        return self.left <= 0

    def succeeded(self, number: str, student_ids: tuple[int, ...]) -> None:
        self.successes.append((number, student_ids))
        self.left += 1

    def lockout(self, number: str, per_child: bool) -> None:
        self.lockouts.append((number, per_child))

    def begin(self, guardian_id: int, student_id: int) -> dt.datetime | None:
        self.begun.append((guardian_id, student_id))
        return None

    def summary(self, child: flow.Child) -> dict[str, Any]:
        return {**SUMMARY, "student": {**SUMMARY["student"], "first_name": child.first_name}}

    def class_summary(self, summary: dict[str, Any]) -> dict[str, Any] | None:
        return None


def run(svc: Fake, number: str, inputs: list[str | None]) -> tuple[CallState, flow.Reply]:
    """Start a call from ``number`` and feed the inputs (None = silence)."""
    call = CallState(from_number=number)
    reply = flow.advance(call, Start(), svc)
    for item in inputs:
        reply = flow.advance(call, Silence() if item is None else Digits(item), svc)
    return call, reply


def prompts(reply: flow.Reply) -> list[str]:
    return [s.id for s in reply.speech if isinstance(s, Prompt)]


case = pytest.param
TABLE = [
    # known caller, one child: a neutral greeting, then the PIN (caller ID can be spoofed)
    case("+359881", [], "pin", ["welcome", "ask_pin"], Gather, id="known-caller-asks-pin"),
    case("+359881", ["2580"], "menu", ["menu"], Gather, id="known-caller-right-pin-menu"),
    case("+359881", ["1234"], "pin", ["wrong_credentials", "ask_pin"], Gather, id="wrong-pin"),
    case(
        "+359881",
        ["1", "2", "3"],
        "end",
        ["wrong_credentials", "too_many_failures"],
        Hangup,
        id="three-wrong-pins-goodbye",
    ),
    # unknown caller: code + # then PIN
    case("+359999", [], "code", ["welcome", "ask_code"], Gather, id="unknown-asks-code"),
    case("+359999", ["5555"], "code", ["bad_code", "ask_code"], Gather, id="check-digit-refused"),
    case("+359999", [CODE_OK], "pin", ["ask_pin"], Gather, id="code-then-pin"),
    case("+359999", ["1111111111"], "pin", ["ask_pin"], Gather, id="unknown-code-still-asks-pin"),
    case(
        "+359999",
        ["1111111111", "2580"],
        "code",
        ["wrong_credentials", "ask_code"],
        Gather,
        id="unknown-code-sounds-like-wrong-pin",
    ),
    case(
        "+359999",
        [CODE_OK, "0000"],
        "code",
        ["wrong_credentials", "ask_code"],
        Gather,
        id="wrong-pin-sounds-the-same",
    ),
    case("+359999", [CODE_OK, "2580"], "menu", ["menu"], Gather, id="unknown-right-pin"),
    # silence: re-prompt twice, then goodbye
    case("+359999", [None], "code", ["no_input", "ask_code"], Gather, id="silence-reprompt-1"),
    case(
        "+359999", [None, None], "code", ["no_input", "ask_code"], Gather, id="silence-reprompt-2"
    ),
    case("+359999", [None, None, None], "end", ["goodbye"], Hangup, id="silence-goodbye"),
    case(
        "+359881",
        ["2580", None, "1", None, None],
        "menu",
        ["no_input", "menu"],
        Gather,
        id="silence-counter-resets-on-keys",
    ),
    # the menu
    case("+359881", ["2580", "3"], "menu", ["after_content"], Gather, id="menu-3-averages"),
    case("+359881", ["2580", "#"], "menu", ["invalid_choice", "menu"], Gather, id="menu-invalid"),
    case("+359881", ["2580", "*"], "menu", ["menu"], Gather, id="menu-star-back"),
    case("+359881", ["2580", "0"], "menu", ["menu"], Gather, id="repeat-before-any-choice"),
    case("+359881", ["2580", "9"], "code", ["no_children"], Gather, id="another-child-none"),
]


@pytest.mark.parametrize(("number", "inputs", "state", "prompt_ids", "ending"), TABLE)
def test_flow_table(
    number: str, inputs: list[str | None], state: str, prompt_ids: list[str], ending: type
) -> None:
    call, reply = run(Fake(), number, inputs)
    assert call.name == state
    assert prompts(reply) == prompt_ids
    assert isinstance(reply.end, ending)


def test_several_children_pin_then_choose_then_switch_without_pin() -> None:
    svc = Fake(two=True)
    call, reply = run(svc, "+359881", [])
    assert call.name == "pin"
    assert prompts(reply) == ["welcome", "ask_pin"]
    reply = flow.advance(call, Digits("2580"), svc)
    assert call.name == "choose_child"  # the names only after the PIN
    assert reply.texts() == ["За Иван натиснете едно.", "За Мария натиснете две."]
    assert isinstance(reply.end, Gather) and reply.end.num_digits == 1
    reply = flow.advance(call, Digits("2"), svc)
    assert reply.texts()[0].startswith("Мария: среден успех Много добър")
    reply = flow.advance(call, Digits("9"), svc)  # the other child: no PIN again
    assert call.name == "menu"
    assert reply.texts()[0].startswith("Иван: среден успех")
    assert svc.begun == [(7, 2), (7, 1)]
    assert call.menus == ["9"]


def test_headline_right_after_pin_names_the_child_and_the_average() -> None:
    _, reply = run(Fake(), "+359881", ["2580"])
    first = reply.speech[0]
    assert isinstance(first, Say)
    assert first.text == "Иван: среден успех Много добър, пет цяло и двадесет и пет стотни."


@pytest.mark.parametrize("two", [False, True])
def test_caller_id_says_nothing_about_the_children_before_the_pin(two: bool) -> None:
    svc = Fake(two=two)
    said: list[str] = []
    call, reply = run(svc, "+359881", [])
    said += reply.texts()
    for wrong in ("1111", "2222", "3333"):
        said += flow.advance(call, Digits(wrong), svc).texts()
    assert call.name == "end"
    assert not any(name in text for text in said for name in ("Иван", "Мария"))
    assert all(isinstance(s, Prompt) for s in reply.speech)


def test_failures_are_counted_for_number_and_code_but_not_check_digit() -> None:
    svc = Fake()
    call, _ = run(svc, "+359999", ["5555", CODE_OK, "0000"])
    assert call.failures == 2
    assert svc.attempts == [("+359999", (1,))]  # the typo never reached a lookup
    assert svc.failures == [("+359999", (1,))]


def test_every_pin_is_reserved_before_it_is_checked_and_a_refusal_checks_none() -> None:
    svc = Fake(attempts=1)
    call, reply = run(svc, "+359999", [CODE_OK, "0000"])
    assert call.name == "end" and prompts(reply) == ["wrong_credentials", "locked"]
    assert svc.lockouts == [("+359999", True)]
    svc = Fake(attempts=0)
    call, reply = run(svc, "+359999", [CODE_OK, "2580"])  # the right PIN, but no attempt left
    assert call.name == "end" and prompts(reply) == ["locked"]
    assert svc.successes == [] and svc.begun == []


def test_a_right_pin_gives_the_attempt_back() -> None:
    svc = Fake()
    run(svc, "+359999", [CODE_OK, "2580"])
    assert svc.successes == [("+359999", (1,))]


def test_a_hidden_number_is_never_recognised() -> None:
    call, reply = run(Fake(), "", [])
    assert call.name == "code" and prompts(reply) == ["welcome", "ask_code"]


def test_locked_number_is_refused_at_once() -> None:
    svc = Fake(locked_numbers=("+359999",))
    call, reply = run(svc, "+359999", [])
    assert call.name == "end" and prompts(reply) == ["locked"]
    assert isinstance(reply.end, Hangup)
    assert svc.lockouts == [("+359999", False)]


def test_menus_are_recorded_and_repeat_says_it_again() -> None:
    svc = Fake()
    call, first = run(svc, "+359881", ["2580", "2"])
    again = flow.advance(call, Digits("0"), svc)
    assert again.texts() == first.texts()
    assert call.menus == ["2"]


def test_after_goodbye_every_input_hangs_up() -> None:
    call, _ = run(Fake(), "+359999", [None, None, None])
    reply = flow.advance(call, Digits("1"), Fake())
    assert isinstance(reply.end, Hangup)


def test_unknown_prompt_id_is_a_bug() -> None:
    with pytest.raises(ValueError):
        Prompt("no-such-prompt")


def test_a_late_duplicate_start_resets_nothing() -> None:
    svc = Fake()
    call, _ = run(svc, "+359999", [CODE_OK])
    reply = flow.advance(call, Start(), svc)
    assert call.name == "pin" and call.data["code"] == CODE_OK
    assert prompts(reply) == ["ask_pin"]


def test_pin_guesses_with_caller_id_count_against_every_child_too() -> None:
    svc = Fake(two=True)
    run(svc, "+359881", ["1111", "2222"])
    assert svc.failures == [("+359881", (1, 2)), ("+359881", (1, 2))]
    assert svc.attempts == svc.failures
