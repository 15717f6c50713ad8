"""The outbound call flow and the escalation policy: pure tables, each row naming its case."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from ivr import escalation as esc
from ivr import outbound_flow as flow
from ivr.escalation import Contact
from ivr.escalation import Step

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {"ivr.speech"}


@pytest.mark.parametrize("name", ["ivr/outbound_flow.py", "ivr/escalation.py"])
def test_pure_modules_import_only_the_standard_library(name: str) -> None:
    tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    impure = {n for n in imported if n.split(".")[0] not in sys.stdlib_module_names} - ALLOWED
    assert not impure


SCHOOL = "СУ Христо Ботев"
IVAN = flow.Absent("Иван", (1, 2))
ABSENT = flow.Script(flow.NOT_AT_SCHOOL, SCHOOL, "024001234", (IVAN,))
NEWS = flow.Script(flow.BROADCAST, SCHOOL, "", text="Утре училището е затворено.")
MENU = {"phase": "menu", "silences": 0}


@pytest.mark.parametrize(
    ("case", "periods", "expected"),
    [
        ("one lesson", (1,), "в първи час"),
        ("two lessons", (1, 2), "в първи и втори час"),
        ("в → във before в", (2, 3), "във втори и трети час"),
        ("three, unsorted, repeated", (3, 1, 2, 1), "в първи, втори и трети час"),
        ("high period", (7,), "в седми час"),
    ],
)
def test_lessons_phrase(case: str, periods: tuple[int, ...], expected: str) -> None:
    assert flow.lessons_phrase(periods) == expected


def test_lessons_phrase_needs_a_period() -> None:
    with pytest.raises(ValueError):
        flow.lessons_phrase(())


@pytest.mark.parametrize(
    ("case", "absent", "expected"),
    [
        ("one child", (IVAN,), ["Иван отсъства днес в първи и втори час."]),
        (
            "twins, same lessons: one sentence",
            (flow.Absent("Иван", (1,)), flow.Absent("Мария", (1,))),
            ["Иван и Мария отсъстват днес в първи час."],
        ),
        (
            "twins, different lessons: one each",
            (flow.Absent("Иван", (1,)), flow.Absent("Мария", (1, 2))),
            ["Иван отсъства днес в първи час.", "Мария отсъства днес в първи и втори час."],
        ),
    ],
)
def test_absence_sentences(case: str, absent: tuple[flow.Absent, ...], expected: list[str]) -> None:
    assert flow.absence_sentences(absent) == expected


@pytest.mark.parametrize(
    ("case", "answered_by", "machine"),
    [
        ("person", "human", False),
        ("nothing detected", "", False),
        ("unknown: treat as a person", "unknown", False),
        ("machine start", "machine_start", True),
        ("after the beep", "machine_end_beep", True),
        ("case-insensitive", "Machine_End_Other", True),
        ("fax", "fax", True),
    ],
)
def test_is_machine(case: str, answered_by: str, machine: bool) -> None:
    assert flow.is_machine(answered_by) is machine


@pytest.mark.parametrize(
    ("case", "script", "state", "event", "gather", "outcome", "said"),
    [
        ("person answers", ABSENT, {}, flow.Answered("human"), True, None, "Иван отсъства днес"),
        ("menu after the message", ABSENT, {}, flow.Answered(""), True, None, "натиснете две"),
        ("machine: short, no name", ABSENT, {}, flow.Answered("machine_end_beep"), False,
         flow.MACHINE, "нула две четири нула нула едно две три четири"),
        ("key 1: knew", ABSENT, MENU, flow.Key("1"), False, flow.KNOWN, "знаете"),
        ("key 2: did not know", ABSENT, MENU, flow.Key("2"), False, flow.NOT_KNOWN,
         "Класният ръководител"),
        ("key 0: repeat", ABSENT, MENU, flow.Key("0"), True, None, "Иван отсъства"),
        ("wrong key", ABSENT, MENU, flow.Key("7"), True, None, "не е в менюто"),
        ("star is a wrong key", ABSENT, MENU, flow.Key("*"), True, None, "не е в менюто"),
        ("first silence: menu again", ABSENT, MENU, flow.Quiet(), True, None, "натиснете едно"),
        ("third silence: goodbye, heard", ABSENT, {"phase": "menu", "silences": 2},
         flow.Quiet(), False, flow.HEARD, "Не получихме отговор"),
        ("broadcast: the text", NEWS, {}, flow.Answered("human"), True, None, "затворено"),
        ("broadcast key 1: acknowledged", NEWS, MENU, flow.Key("1"), False, flow.KNOWN,
         "Благодарим"),
        ("broadcast has no key 2", NEWS, MENU, flow.Key("2"), True, None, "не е в менюто"),
        ("after the end nothing", ABSENT, {"phase": "done"}, flow.Key("1"), False, None, ""),
    ],
)  # fmt: skip
def test_step_table(
    case: str,
    script: flow.Script,
    state: dict[str, int | str],
    event: flow.Event,
    gather: bool,
    outcome: str | None,
    said: str,
) -> None:
    answer = flow.step(script, dict(state), event)
    assert answer.gather is gather
    assert answer.outcome == outcome
    assert said in " ".join(answer.speech)
    assert not any(ch.isdigit() for ch in " ".join(answer.speech))


def test_machine_message_names_no_child_and_without_a_phone_says_so() -> None:
    answer = flow.step(ABSENT, {}, flow.Answered("machine_start"))
    assert "Иван" not in " ".join(answer.speech)
    no_phone = flow.Script(flow.NOT_AT_SCHOOL, SCHOOL, "", (IVAN,))
    assert "свържете се" in flow.step(no_phone, {}, flow.Answered("machine_start")).speech[0]


def test_silences_count_through_repeats() -> None:
    state: dict[str, object] = {}
    answer = flow.step(ABSENT, state, flow.Answered("human"))
    for _ in range(flow.MAX_SILENCES):
        answer = flow.step(ABSENT, answer.state, flow.Quiet())
        assert answer.gather
    assert flow.step(ABSENT, answer.state, flow.Quiet()).outcome == flow.HEARD


BOTH = Contact(1, phone=True, email=True)
PHONE = Contact(2, phone=True, email=False)
MAIL = Contact(3, phone=False, email=True)
NONE = Contact(4, phone=False, email=False)


@pytest.mark.parametrize(
    ("case", "contacts", "rounds", "expected"),
    [
        ("phone and e-mail: SMS, 3 rounds, e-mail", [BOTH], 3,
         [Step(1, "sms"), Step(1, "voice", 1, 0), Step(1, "voice", 2, 10), Step(1, "voice", 3, 10),
          Step(1, "email")]),
        ("one round", [PHONE], 1, [Step(2, "sms"), Step(2, "voice", 1, 0)]),
        ("zero rounds counts as one", [PHONE], 0, [Step(2, "sms"), Step(2, "voice", 1, 0)]),
        ("e-mail only", [MAIL], 3, [Step(3, "email")]),
        ("no contact: skipped", [NONE], 3, []),
        ("second guardian after the first", [MAIL, PHONE], 1,
         [Step(3, "email"), Step(2, "sms"), Step(2, "voice", 1, 0)]),
    ],
)  # fmt: skip
def test_plan(case: str, contacts: list[Contact], rounds: int, expected: list[Step]) -> None:
    assert esc.plan(contacts, rounds=rounds, gap_minutes=10) == expected


def test_voice_only_plan_keeps_the_rounds() -> None:
    steps = esc.voice_only_plan([BOTH, PHONE], rounds=2, gap_minutes=5)
    assert [(s.guardian_id, s.channel, s.round, s.wait_minutes) for s in steps] == [
        (1, "voice", 1, 0), (1, "voice", 2, 5), (2, "voice", 1, 0), (2, "voice", 2, 5),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "choice", "phone", "email", "expected"),
    [
        ("SMS chosen, has both", "sms", True, True, ("sms",)),
        ("e-mail chosen, has both", "email", True, True, ("email",)),
        ("both chosen, has both", "both", True, True, ("sms", "email")),
        ("both chosen, no phone", "both", False, True, ("email",)),
        ("SMS chosen, no phone: e-mail instead", "sms", False, True, ("email",)),
        ("e-mail chosen, no e-mail: SMS instead", "email", True, False, ("sms",)),
        ("nothing to reach", "both", False, False, ()),
        ("unknown choice counts as both", "fax", True, True, ("sms", "email")),
    ],
)
def test_alert_channels(
    case: str, choice: str, phone: bool, email: bool, expected: tuple[str, ...]
) -> None:
    assert esc.alert_channels(choice, phone, email) == expected


@pytest.mark.parametrize(
    ("case", "status", "answered_by", "outcome", "result"),
    [
        ("person, completed", "completed", "human", None, esc.REACHED),
        ("completed, no detection", "completed", "", None, esc.REACHED),
        ("machine by detection", "completed", "machine_end_beep", None, esc.MACHINE),
        ("machine by the flow", "completed", "", "machine", esc.MACHINE),
        ("busy", "busy", "", None, esc.BUSY),
        ("no answer", "no-answer", "", None, esc.NO_ANSWER),
        ("cancelled counts as no answer", "canceled", "", None, esc.NO_ANSWER),
        ("failed", "failed", "", None, esc.FAILED),
    ],
)
def test_call_result(
    case: str, status: str, answered_by: str, outcome: str | None, result: str
) -> None:
    assert esc.call_result(status, answered_by, outcome) == result


@pytest.mark.parametrize(
    ("case", "old", "new", "forward"),
    [
        ("first callback", None, "initiated", True),
        ("ringing after initiated", "initiated", "ringing", True),
        ("repeated", "ringing", "ringing", False),
        ("late initiated after ringing", "ringing", "initiated", False),
        ("answered", "ringing", "in-progress", True),
        ("end after anything", "queued", "completed", True),
        ("nothing after the end", "completed", "ringing", False),
        ("no second end", "busy", "completed", False),
        ("unknown value", "ringing", "weird", False),
    ],
)
def test_moves_forward(case: str, old: str | None, new: str, forward: bool) -> None:
    assert esc.moves_forward(old, new) is forward


@pytest.mark.parametrize(
    ("case", "families", "cps", "seconds"),
    [
        ("nobody", 0, 1, 0),
        ("one call starts at once", 1, 1, 0),
        ("61 at 1 per second", 61, 1, 60),
        ("24 000 at 30 per second", 24_000, 30, 800),
        ("rounded up", 3, 2, 1),
    ],
)
def test_round_seconds(case: str, families: int, cps: float, seconds: int) -> None:
    assert esc.round_seconds(families, cps) == seconds


def test_round_seconds_needs_a_rate() -> None:
    with pytest.raises(ValueError):
        esc.round_seconds(5, 0)
