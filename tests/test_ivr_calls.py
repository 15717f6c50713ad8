"""Whole phone calls through the signed webhooks, driven by the TwiML-following client."""

from __future__ import annotations

import datetime as dt
import os
import random
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import OperationalError

from config import clock
from gradebook import core
from gradebook import grades
from gradebook import rules
from gradebook import summary
from ivr import content
from ivr import speech
from ivr.client import FlaskTransport
from ivr.client import PhoneCall
from models import AttemptCounter
from models import AuditLog
from models import CallSession
from models import Curriculum
from models import Enrollment
from models import Grade
from models import Guardian
from models import GuardianStudent
from models import SchoolClass
from models import SchoolYear
from models import StaffUser
from models import Student
from models import Subject
from models import db
from security import sign
from tests._helpers import signed_post

PIN = "2580"
MENU = "За последните оценки натиснете едно."


def parent(email: str) -> tuple[str, list[Student]]:
    guardian = db.session.scalars(sa.select(Guardian).where(Guardian.email == email)).one()
    students = [link.student for link in sorted(guardian.links, key=lambda link: link.id)]
    return guardian.phone or "", students


@pytest.fixture
def phone(demo_app: Flask):  # type: ignore[no-untyped-def]
    transport = FlaskTransport(demo_app)

    def dial(number: str) -> PhoneCall:
        return PhoneCall(transport, from_number=number)

    return dial


def failures(scope: str) -> int:
    """Attempts counted (and not given back) in ``scope``, all keys and windows."""
    return (
        db.session.scalar(
            sa.select(sa.func.sum(AttemptCounter.attempts)).where(AttemptCounter.scope == scope)
        )
        or 0
    )


def test_known_caller_one_child_hears_headline_then_menus(demo_app: Flask, phone) -> None:  # type: ignore[no-untyped-def]
    number, (child,) = parent("roditel1@sou1.demo.bg")
    call = phone(number)
    turn = call.start()
    # caller ID can be spoofed: nothing about the child before the PIN
    assert turn.said == ["Бележник, здравейте.", "Въведете ПИН кода и диез."]
    assert turn.gather and turn.gather["finish_on_key"] == "#"
    turn = call.press(PIN + "#")
    # the headline names the child; a grade-III pupil's marks are counted, not averaged
    assert turn.said[0].startswith(f"{child.first_name}: този срок – ")
    assert turn.said[-1].startswith(MENU)
    for key in "1234567":
        turn = call.press(key)
        assert not turn.hung_up and turn.status == 200
        assert len(turn.said) >= 2
        for line in turn.said:
            rules_digits = [ch for ch in line if ch.isdigit()]
            assert not rules_digits, line  # nothing reaches TTS as digits
    session = db.session.scalars(sa.select(CallSession)).one()
    assert session.student_id == child.id
    assert session.menus == list("1234567")
    assert call.hang_up(duration=95) == 200
    db.session.expire_all()
    session = db.session.scalars(sa.select(CallSession)).one()
    assert session.status == "completed" and session.duration_s == 95
    link = db.session.scalars(
        sa.select(GuardianStudent).where(GuardianStudent.student_id == child.id)
    ).first()
    assert link is not None and link.last_call_at is not None


def test_answers_are_signed_xml_and_speech_is_interruptible(demo_app: Flask, phone) -> None:  # type: ignore[no-untyped-def]
    number, _ = parent("roditel1@sou1.demo.bg")
    client = demo_app.test_client()
    params = {"CallSid": "CA1", "From": number, "To": "+35924001234"}
    good = sign("http://localhost/ivr/voice", params, "test-twilio-token")
    response = client.post("/ivr/voice", data=params, headers={"X-Twilio-Signature": good})
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    body = response.get_data(as_text=True)
    assert "<Response><Gather" in body and 'actionOnEmptyResult="true"' in body
    assert 'voice="Google.bg-BG-Standard-B"' in body and 'language="bg-BG"' in body
    assert "</Say></Gather></Response>" in body  # speech inside the Gather: keys interrupt it


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="unsigned"),
        pytest.param({"X-Twilio-Signature": "forged"}, id="forged"),
    ],
)
@pytest.mark.parametrize("path", ["/ivr/voice", "/ivr/step?n=2", "/ivr/status"])
def test_unsigned_or_forged_requests_are_refused(
    demo_app: Flask, headers: dict[str, str], path: str
) -> None:
    response = demo_app.test_client().post(
        path, data={"CallSid": "CA1", "From": "+359888000000"}, headers=headers
    )
    assert response.status_code == 403
    assert response.mimetype == "text/xml"
    assert "<Response" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(CallSession.id))) == 0


def test_signature_for_another_url_is_refused(demo_app: Flask) -> None:
    params = {"CallSid": "CA1", "From": "+359888000000"}
    wrong = sign("http://localhost/ivr/step?n=2", params, "test-twilio-token")
    response = demo_app.test_client().post(
        "/ivr/voice", data=params, headers={"X-Twilio-Signature": wrong}
    )
    assert response.status_code == 403


def test_unknown_caller_types_code_and_pin(demo_app: Flask, phone) -> None:  # type: ignore[no-untyped-def]
    _, (child,) = parent("roditel1@sou1.demo.bg")
    call = phone("+359888765432")
    turn = call.start()
    assert turn.said[-1] == "Въведете ИД кода на ученика и натиснете диез."
    turn = call.press(child.student_code + "#")
    assert turn.said == ["Въведете ПИН кода и диез."]
    turn = call.press(PIN + "#")
    assert turn.said[0].startswith(f"{child.first_name}: този срок – ")  # grade III
    session = db.session.scalars(sa.select(CallSession)).one()
    assert session.student_id == child.id and session.school_id == child.school_id


def test_several_children_choose_one(demo_app: Flask, phone) -> None:  # type: ignore[no-untyped-def]
    number, children = parent("roditel2@sou1.demo.bg")
    assert len(children) == 2
    call = phone(number)
    turn = call.start()
    names = {c.first_name for c in children}
    assert not any(name in " ".join(turn.said) for name in names)  # not before the PIN
    turn = call.press(PIN + "#")
    assert any(line.startswith("За ") and "натиснете едно" in line for line in turn.said)
    assert turn.gather and turn.gather["num_digits"] == 1
    said = " ".join(turn.said)
    assert all(name in said for name in names)
    turn = call.press("2")
    second = turn.said[0].split(":")[0]
    turn = call.press("9")  # the other child, without the PIN again
    first = turn.said[0].split(":")[0]
    assert {first, second} == names
    # issue 14: the school's call log names every child the call heard, not only the last
    from ivr import service

    session = db.session.scalars(sa.select(CallSession)).one()
    same_school = [c for c in children if c.school_id == session.school_id]
    [entry] = service.call_log(session.school_id)
    assert entry["student"].count(",") == len(same_school) - 1
    for child in same_school:
        assert f"{child.first_name} {child.last_name}" in entry["student"]


def _wrong_code() -> str:
    rng = random.Random(3)
    while True:
        code = rules.new_student_code(rng)
        if db.session.scalar(sa.select(Student.id).where(Student.student_code == code)) is None:
            return code


def test_wrong_code_and_wrong_pin_sound_the_same(demo_app: Flask, phone) -> None:  # type: ignore[no-untyped-def]
    _, (child,) = parent("roditel1@sou1.demo.bg")
    call = phone("+359888111111")
    call.start()
    call.press(_wrong_code() + "#")  # valid check digit, no such student: still asks the PIN
    wrong_code = call.press(PIN + "#")
    call.press(child.student_code + "#")
    wrong_pin = call.press("9999#")
    assert wrong_code.said == wrong_pin.said
    assert wrong_code.said[0] == "Кодът или ПИН кодът не са верни."
    third = call.press("12#")  # a typo: refused by the check digit, and the third failure
    assert third.hung_up
    assert third.said[-1] == "Твърде много неуспешни опити. Довиждане."
    # the unknown code opens nothing: counted for the number only; the child's PIN for both
    assert failures("ivr_number") == 2 and failures("ivr_child") == 1


def test_wrong_pin_for_a_known_caller_asks_the_pin_again(demo_app: Flask, phone) -> None:  # type: ignore[no-untyped-def]
    number, _ = parent("roditel1@sou1.demo.bg")
    call = phone(number)
    call.start()
    turn = call.press("0000#")
    assert turn.said == [
        "Кодът или ПИН кодът не са верни.",
        "Въведете ПИН кода и диез.",
    ]
    turn = call.press(PIN + "#")
    assert turn.said[-1].startswith(MENU)


def test_lockout_per_code_across_calls_and_numbers(demo_app: Flask, phone) -> None:  # type: ignore[no-untyped-def]
    _, (child,) = parent("roditel1@sou1.demo.bg")
    assert demo_app.config["IVR_FAILS_PER_CODE_HOUR"] == 5
    for n in range(5):
        call = phone(f"+35988820000{n}")
        call.start()
        call.press(child.student_code + "#")
        call.press("1111#")
    call = phone("+359888299999")
    call.start()
    call.press(child.student_code + "#")
    turn = call.press(PIN + "#")  # refused before the PIN is checked
    assert turn.hung_up
    assert turn.said[0].startswith("Достъпът временно е спрян")
    # the right PIN does not help once the code is locked, and the school sees the lockout
    assert db.session.scalar(
        sa.select(sa.func.count(AuditLog.id)).where(AuditLog.action == "ivr_lockout")
    )
    log = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "ivr_lockout")).first()
    assert log is not None and log.school_id == child.school_id


def test_lockout_per_number(demo_app: Flask, phone) -> None:  # type: ignore[no-untyped-def]
    demo_app.config["IVR_FAILS_PER_NUMBER_HOUR"] = 4
    number, _ = parent("roditel1@sou1.demo.bg")
    for _ in range(2):
        call = phone(number)
        call.start()
        call.press("1111#")
        call.press("2222#")
    turn = phone(number).start()
    assert turn.hung_up
    assert turn.said == [
        "Достъпът временно е спрян заради много неуспешни опити. "
        "Опитайте отново след час или се обърнете към училището. Довиждане."
    ]


def test_silence_reprompts_twice_then_goodbye(demo_app: Flask, phone) -> None:  # type: ignore[no-untyped-def]
    number, _ = parent("roditel1@sou1.demo.bg")
    call = phone(number)
    call.start()
    call.press(PIN + "#")
    for _ in range(2):
        turn = call.silence()
        assert turn.said[0] == "Не чух избор." and turn.said[-1].startswith(MENU)
        assert not turn.hung_up
    turn = call.silence()
    assert turn.hung_up and turn.said == ["Благодарим ви за обаждането. Довиждане."]


def test_child_with_no_grades_yet(demo_app: Flask, phone) -> None:  # type: ignore[no-untyped-def]
    year = db.session.scalars(sa.select(SchoolYear).where(SchoolYear.school_id == 1)).first()
    assert year is not None
    cls = db.session.scalars(
        sa.select(SchoolClass).where(SchoolClass.school_year_id == year.id)
    ).first()
    assert cls is not None
    code = _wrong_code()
    student = Student(school_id=1, first_name="Нова", last_name="Ученичка", student_code=code)
    db.session.add(student)
    db.session.flush()
    db.session.add(
        Enrollment(
            school_id=1,
            student_id=student.id,
            class_id=cls.id,
            class_number=98,
            enrolled_on=dt.date(2026, 11, 20),
        )
    )
    from werkzeug.security import generate_password_hash

    guardian = Guardian(full_name="Нов родител", phone="+359877000111")
    guardian.pin_hash = generate_password_hash("4321")
    db.session.add(guardian)
    db.session.flush()
    db.session.add(GuardianStudent(guardian_id=guardian.id, student_id=student.id, school_id=1))
    db.session.commit()  # no summary yet: the phone builds it on the first read
    call = phone("+359877000111")
    call.start()
    turn = call.press("4321#")
    assert turn.said[0] == "Нова все още няма оценки този срок."
    for key, expected in [
        ("1", "Нова все още няма оценки."),
        ("2", "Няма отсъствия и закъснения този срок."),
        ("3", "Нова все още няма оценки този срок."),
        ("4", "Няма забележки и похвали."),
    ]:
        turn = call.press(key)
        assert turn.said[0] == expected


@pytest.mark.parametrize(
    ("entered", "heard"),
    [
        pytest.param(dt.timedelta(minutes=-1), "От последното ви обаждане: една оценка – ",
                     id="entered-since-the-last-call"),
        pytest.param(dt.timedelta(days=1), "От последното ви обаждане няма нови оценки.",
                     id="stamped-ahead-of-the-clock-is-not-new-on-every-call"),
    ],
)  # fmt: skip
def test_headline_tells_what_is_new_since_the_last_call(  # type: ignore[no-untyped-def]
    demo_app: Flask, phone, entered: dt.timedelta, heard: str
) -> None:
    number, (child,) = parent("roditel1@sou1.demo.bg")
    link = db.session.scalars(
        sa.select(GuardianStudent).where(GuardianStudent.student_id == child.id)
    ).first()
    assert link is not None
    now = clock.utc_naive()
    link.last_call_at = now - dt.timedelta(hours=1)
    db.session.execute(  # every demo grade was entered before that call
        sa.update(Grade)
        .where(Grade.student_id == child.id)
        .values(created_at=now - dt.timedelta(hours=2))
    )
    cur = db.session.scalars(
        sa.select(Curriculum)
        .join(Enrollment, Enrollment.class_id == Curriculum.class_id)
        .where(Enrollment.student_id == child.id)
    ).first()
    assert cur is not None
    year_id = db.session.scalar(
        sa.select(SchoolClass.school_year_id).where(SchoolClass.id == cur.class_id)
    )
    db.session.add(
        Grade(
            school_id=child.school_id,
            school_year_id=year_id,
            student_id=child.id,
            curriculum_id=cur.id,
            subject_id=cur.subject_id,
            term=1,
            kind="current",
            category="qualitative",
            value=Decimal("6"),
            date=dt.date(2026, 11, 25),
            created_at=now + entered,
        )
    )
    summary.refresh_student(child.id, year_id)
    db.session.commit()
    call = phone(number)
    call.start()
    turn = call.press(PIN + "#")
    assert turn.said[1].startswith(heard)
    assert turn.said[1].endswith("Отличен." if entered < dt.timedelta(0) else "оценки.")


def test_a_twilio_retry_gets_the_same_answer_and_counts_nothing_twice(
    demo_app: Flask, phone
) -> None:  # type: ignore[no-untyped-def]
    number, _ = parent("roditel1@sou1.demo.bg")
    call = phone(number)
    first = call.start()
    again = call.retry()
    assert again.said == first.said
    wrong = call.press("0000#")
    retried = call.retry()
    assert retried.said == wrong.said
    session = db.session.scalars(sa.select(CallSession)).one()
    assert session.failures == 1
    assert failures("ivr_number") == 1
    # the same digits as a *new* step are a new answer (steps are numbered in the action URL)
    turn = call.press(PIN + "#")
    assert turn.said[-1].startswith(MENU)
    one = call.press("1")
    two = call.press("1")
    assert one.said != two.said  # the second "1" is "more grades", not a retry


def test_database_failing_mid_call_apologises_and_hangs_up(demo_app: Flask, phone) -> None:  # type: ignore[no-untyped-def]
    number, _ = parent("roditel1@sou1.demo.bg")
    call = phone(number)
    call.start()
    call.press(PIN + "#")
    # the database goes away between two steps (its file vanishes: "no such table")
    path = db.engine.url.database
    db.session.remove()
    db.engine.dispose()
    os.remove(path)
    turn = call.press("3")
    assert turn.status == 200 and turn.hung_up
    assert turn.said == [
        "Извинете, възникна техническа грешка. Моля, обадете се по-късно. Довиждане."
    ]


def test_summary_failing_mid_call_apologises(
    demo_app: Flask, phone, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    number, _ = parent("roditel1@sou1.demo.bg")
    call = phone(number)
    call.start()
    call.press(PIN + "#")

    def down(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(summary, "get_class_summary", down)  # menu 7 reads the class aggregate
    turn = call.press("7")
    assert turn.status == 200 and turn.hung_up
    assert "техническа грешка" in turn.text


def test_database_down_from_the_first_step(demo_app: Flask, phone, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ivr import service

    def down(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(service, "_load_with_summary", down)
    client = demo_app.test_client()
    response = signed_post(client, "/ivr/voice", {"CallSid": "CA9", "From": "+359888000000"})
    assert response.status_code == 200 and response.mimetype == "text/xml"
    body = response.get_data(as_text=True)
    assert "техническа грешка" in body and "<Hangup" in body


def test_pin_guesses_through_caller_id_lock_the_child(demo_app: Flask, phone) -> None:  # type: ignore[no-untyped-def]
    number, (child,) = parent("roditel1@sou1.demo.bg")  # a spoofed caller ID looks the same
    for wrong in (["1111#", "2222#"], ["3333#", "4444#"], ["5555#"]):
        call = phone(number)
        call.start()
        for pin in wrong:
            turn = call.press(pin)
    assert turn.said[0] == "Кодът или ПИН кодът не са верни."
    call = phone(number)
    call.start()
    turn = call.press(PIN + "#")  # even the right PIN: the child is locked for the hour
    assert turn.hung_up and turn.said[0].startswith("Достъпът временно е спрян")
    logs = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "ivr_lockout")).all()
    assert len(logs) == 2  # at the fifth failure, and at this call
    assert {log.school_id for log in logs} == {child.school_id}


def term_one_mark_counts(student: Student) -> dict[int, int]:
    """How many of each whole mark the pupil has among this year's term-1 current grades,
    counted straight from the diary."""
    year = SchoolYear.current_for(student.school_id)
    assert year is not None
    values = db.session.scalars(
        sa.select(Grade.value).where(
            Grade.student_id == student.id,
            Grade.school_year_id == year.id,
            Grade.term == 1,
            Grade.kind.in_(rules.CURRENT_KINDS),
            Grade.value.is_not(None),
        )
    ).all()
    counts: dict[int, int] = {}
    for value in values:
        counts[rules.whole_mark(value)] = counts.get(rules.whole_mark(value), 0) + 1
    return counts


def _term_one_marks(student: Student) -> str:
    """The pupil's term-1 current marks this year, counted straight from the diary."""
    counts = term_one_mark_counts(student)
    assert counts, "the demo grade-III pupil has marks this term"
    return speech.marks_phrase(counts)


def test_grade_three_parent_hears_marks_counted_never_an_average(demo_app: Flask, phone) -> None:  # type: ignore[no-untyped-def]
    number, (child,) = parent("roditel1@sou1.demo.bg")
    counted = _term_one_marks(child)
    call = phone(number)
    call.start()
    headline = call.press(PIN + "#")
    assert headline.said[0] == f"{child.first_name}: този срок – {counted}."
    menu3 = call.press("3")
    assert menu3.said[0] == f"Оценки този срок: {counted}."
    assert len(menu3.said) > 2  # then subject by subject
    menu7 = call.press("7")
    assert menu7.said[: len(content.COMPARE_QUALITATIVE)] == list(content.COMPARE_QUALITATIVE)
    heard = " ".join(headline.said + menu3.said + menu7.said)
    for average in ("цяло", "стотн", "среден успех Много", "над класа", "под класа"):
        assert average not in heard, average


def _fifth_grader(email: str) -> tuple[Student, int]:
    """The parent's grade-V child and the key that picks it in the call's list of children."""
    _, students = parent(email)
    for student in students:
        level = db.session.scalar(
            sa.select(SchoolClass.grade_level)
            .join(Enrollment, Enrollment.class_id == SchoolClass.id)
            .where(Enrollment.student_id == student.id, SchoolClass.grade_level == 5)
        )
        if level:
            return student, students.index(student)
    raise AssertionError("the demo parent has a grade-V child")


def test_fifth_grader_hears_the_term_grade_once_set(demo_app: Flask, phone) -> None:  # type: ignore[no-untyped-def]
    number, _ = parent("roditel2@sou1.demo.bg")
    child, _ = _fifth_grader("roditel2@sou1.demo.bg")
    math = db.session.scalars(
        sa.select(Curriculum)
        .join(Subject, Subject.id == Curriculum.subject_id)
        .join(Enrollment, Enrollment.class_id == Curriculum.class_id)
        .where(Enrollment.student_id == child.id, Subject.name == "Математика")
    ).one()
    director = db.session.scalar(
        sa.select(StaffUser.id).where(StaffUser.email == "direktor@sou1.demo.bg")
    )
    assert director is not None
    grades.save_final_grades(
        core.Actor.load(director, child.school_id),
        math.id,
        kind="term",
        term=1,
        values={child.id: "5"},
    )
    db.session.commit()

    call = phone(number)
    call.start()
    turn = call.press(PIN + "#")
    if (
        turn.gather and turn.gather.get("num_digits") == 1
    ):  # several children (offered after the PIN): pick the fifth grader
        key = next(
            line.split(" натиснете ")[1]
            for line in turn.said
            if line.startswith(f"За {child.first_name} натиснете ")
        )
        turn = call.press(str(["едно", "две", "три", "четири"].index(key.rstrip(".")) + 1))
    assert turn.said[0].startswith(f"{child.first_name}: среден успех ")
    turn = call.press("3")
    assert turn.said[0].startswith("Среден успех: ")
    assert "Математика: срочна оценка Много добър пет." in turn.said
    others = [line for line in turn.said[1:] if not line.startswith("Математика")]
    assert others and not any("срочна" in line for line in others)  # forecasts elsewhere
