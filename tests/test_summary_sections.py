"""The read model refreshed section by section (``gradebook.summary_sections``), on SQLite and
PostgreSQL: after a grade save or a register save the stored payloads are exactly what a full
build (``summary.build_payloads``) gives for the same pupils, section by section, and the class
aggregate what it gives from them; the saves rebuild only their sections when the stored payloads
may be kept and go the full way when not (no payload, built yesterday, an older version); and a
grade column's refresh reads a fixed, smaller number of statements whatever its size."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask import current_app

from gradebook import absences as absences_uc
from gradebook import core
from gradebook import grades as grades_uc
from gradebook import summary
from gradebook import summary_sections
from gradebook import summary_store
from models import Absence
from models import AbsenceKind
from models import Curriculum
from models import Event
from models import Grade
from models import GradeKind
from models import SchoolClass
from models import SchoolYear
from models import StaffMembership
from models import StaffRole
from models import Student
from models import StudentSummary
from models import TimetableSlot
from models import db
from tests._helpers import counted_statements
from tests.conftest import NOW
from tests.conftest import TODAY

GRADES_ONLY = [(summary.GRADES,)]
ABSENCES_ONLY = [(summary.ABSENCES,)]
FULL = [summary.PARTS]


@pytest.fixture(params=["sqlite", "postgresql"])
def school(request: pytest.FixtureRequest) -> Flask:
    """The demo schools on SQLite (levels 3, 5 and 9 and a ПГ group), or one school of levels 3
    and 9 with its ПГ group built on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("demo_app")  # type: ignore[no-any-return]
    from gradebook.demo import build_demo

    app: Flask = request.getfixturevalue("pg_app")
    build_demo(seed=7, schools=1, today=TODAY, students_per_class=6, levels=(3, 9))
    return app


# --- helpers ---------------------------------------------------------------------------------------
def admin() -> core.Actor:
    staff_id = db.session.scalar(
        sa.select(StaffMembership.staff_id).where(
            StaffMembership.school_id == 1, StaffMembership.role == StaffRole.ADMIN
        )
    )
    return core.Actor.load(staff_id, 1)


def year() -> SchoolYear:
    found = SchoolYear.current_for(1)
    assert found is not None
    return found


def klass(level: int) -> SchoolClass:
    found = db.session.scalar(
        sa.select(SchoolClass)
        .where(SchoolClass.school_id == 1, SchoolClass.grade_level == level)
        .order_by(SchoolClass.id)
        .limit(1)
    )
    assert found is not None, level
    return found


def pupils(class_id: int) -> list[int]:
    return sorted(e.student_id for e in core.active_enrollments(class_id))


def curriculum(class_id: int) -> Curriculum:
    found = db.session.scalar(
        sa.select(Curriculum).where(Curriculum.class_id == class_id).order_by(Curriculum.id)
    )
    assert found is not None
    return found


def wednesday_slot(class_id: int, skip: int = 0) -> TimetableSlot:
    found = db.session.scalars(
        sa.select(TimetableSlot)
        .where(
            TimetableSlot.class_id == class_id,
            TimetableSlot.weekday == TODAY.isoweekday(),
            TimetableSlot.term.is_(None) | (TimetableSlot.term == 1),
        )
        .order_by(TimetableSlot.period)
    ).all()
    assert len(found) > skip, class_id
    return found[skip]


def tables_read(statements: list[str]) -> set[str]:
    """The tables the statements read from (FROM and JOIN)."""
    return {name for s in statements for name in re.findall(r"\b(?:FROM|JOIN)\s+(\w+)", s)}


def plain(value: Any) -> Any:
    """As stored: through JSON (dict keys strings, tuples lists)."""
    return json.loads(json.dumps(value))


def stored(ids: list[int]) -> dict[int, dict[str, Any]]:
    return {
        sid: payload
        for sid, payload in db.session.execute(
            sa.select(StudentSummary.student_id, StudentSummary.payload).where(
                StudentSummary.school_year_id == year().id, StudentSummary.student_id.in_(ids)
            )
        )
    }


def assert_as_full_build(name: str, class_id: int) -> None:
    """The stored payloads of the class's pupils are what a full build gives, key by key, and
    the class aggregate what the full payloads give."""
    db.session.expire_all()
    ids = pupils(class_id)
    kept = stored(ids)
    full = summary.build_payloads(year(), ids)
    assert set(kept) == set(full) == set(ids), name
    for sid in ids:
        want, got = plain(full[sid]), kept[sid]
        assert set(got) == set(want), (name, sid)
        for key in want:  # no timestamps in a payload: every key compared
            assert got[key] == want[key], (name, sid, key)
    term = year().term_of(TODAY)
    aggregate = summary_store.class_aggregate(p for p in full.values() if p["term"] == term)
    assert summary.get_class_summary(class_id, year().id, term) == plain(aggregate), name


@dataclass
class Scenario:
    name: str
    level: int  # the class the save is in
    save: Callable[[int], None]  # the save, given the class id
    path: list[tuple[str, ...]]  # the parts ``build_payloads`` was asked to build, in order
    prepare: Callable[[int], None] | None = None  # before the save (its state committed)
    shows: Callable[[list[dict[str, Any]]], bool] | None = None  # of the stored payloads after


def column(class_id: int, values: str = "5,6,4,3,6,2,5") -> None:
    marks = values.split(",")
    typed = {sid: marks[n % len(marks)] for n, sid in enumerate(pupils(class_id))}
    cur = curriculum(class_id).id
    grades_uc.save_grade_column(admin(), cur, kind="current", date=TODAY, values=typed)


def latest_grade(class_id: int) -> Grade:
    found = db.session.scalar(
        sa.select(Grade)
        .where(Grade.curriculum_id == curriculum(class_id).id, Grade.kind == GradeKind.CURRENT)
        .order_by(Grade.id.desc())
        .limit(1)
    )
    assert found is not None
    return found


def change_grade(class_id: int) -> None:
    grade = latest_grade(class_id)
    new = "2" if grade.value != 2 else "6"
    grades_uc.update_grade(admin(), grade.id, value=new, version=grade.version, reason="грешка")


def delete_grade(class_id: int) -> None:
    grade = latest_grade(class_id)
    grades_uc.delete_grade(admin(), grade.id, version=grade.version, reason="грешка")


def term_grades(class_id: int) -> None:
    typed = {sid: "5" for sid in pupils(class_id)[:3]}
    cur = curriculum(class_id).id
    grades_uc.save_final_grades(admin(), cur, kind="term", term=1, values=typed)


def register(class_id: int, marks: Callable[[int], str], skip: int = 0) -> None:
    slot = wednesday_slot(class_id, skip)
    typed = {sid: marks(n) for n, sid in enumerate(pupils(class_id))}
    absences_uc.save_lesson_absences(admin(), slot.id, date=TODAY, marks=typed)


def excuse(class_id: int) -> None:
    ids = db.session.scalars(
        sa.select(Absence.id).where(
            Absence.student_id.in_(pupils(class_id)),
            Absence.date == TODAY,
            Absence.kind == AbsenceKind.UNEXCUSED,
        )
    ).all()
    assert ids
    absences_uc.excuse_absences(admin(), ids[:2], reason="health")


def delete_absence(class_id: int) -> None:
    absence = db.session.scalar(
        sa.select(Absence)
        .where(Absence.student_id.in_(pupils(class_id)), Absence.date == TODAY)
        .order_by(Absence.id)
        .limit(1)
    )
    assert absence is not None
    absences_uc.delete_absence(admin(), absence.id, version=absence.version, reason="грешка")


def pg_refresh(_class_id: int) -> None:
    group = klass(0)
    summary_sections.refresh_students(year(), pupils(group.id), [summary.GRADES])
    db.session.commit()


def drop_one_payload(class_id: int) -> None:
    first = pupils(class_id)[0]
    db.session.execute(sa.delete(StudentSummary).where(StudentSummary.student_id == first))


def spoil_stored(
    class_id: int, change: Callable[[dict[str, Any]], None], count: int | None = None
) -> None:
    """Change the stored payloads of the class's (first ``count``) pupils, no refresh: what a
    full build would undo."""
    ids = pupils(class_id)[:count]
    for row in db.session.scalars(
        sa.select(StudentSummary).where(StudentSummary.student_id.in_(ids))
    ):
        payload = dict(row.payload)
        change(payload)
        row.payload = payload


def older_version(class_id: int, count: int | None = None) -> None:
    def change(payload: dict[str, Any]) -> None:
        payload["v"] = summary.PAYLOAD_VERSION - 1
        payload["remarks"] = [{"kind": "praise", "text": "от стария вид", "date": "2026-11-01"}]

    spoil_stored(class_id, change, count)


def built_yesterday(class_id: int) -> None:
    """The class's payloads built on the day before, with an event of that day among the
    coming ones (a payload of today holds it no more)."""
    yesterday = TODAY - dt.timedelta(days=1)
    db.session.add(
        Event(
            school_id=1, school_year_id=year().id, class_id=class_id, kind="other",
            title="Вчерашно събитие", date=yesterday,
        )
    )  # fmt: skip
    db.session.flush()
    app = current_app
    app.config["NOW"] = f"{yesterday.isoformat()}T10:00:00"
    try:
        summary.refresh_students(year(), pupils(class_id))
        first = pupils(class_id)[0]
        assert "Вчерашно събитие" in {e["title"] for e in stored([first])[first]["events"]}
    finally:
        app.config["NOW"] = NOW


def renamed_without_refresh(class_id: int) -> None:
    student = db.session.get(Student, pupils(class_id)[0])
    assert student is not None
    student.first_name = "Преименуван"


def subjects(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for p in payloads for s in p["subjects"]]


SCENARIOS = [
    Scenario("grades added (a column)", 9, column, GRADES_ONLY),
    Scenario("a grade changed", 9, change_grade, GRADES_ONLY),
    Scenario("a grade deleted", 9, delete_grade, GRADES_ONLY),
    Scenario("term grades set", 9, term_grades, GRADES_ONLY,
             shows=lambda ps: any(s["final"] for s in subjects(ps))),
    Scenario("qualitative grades I–III", 3, lambda c: column(c, "6,5,4,6,3"), GRADES_ONLY,
             shows=lambda ps: bool(subjects(ps)) and all(s["marks"] for s in subjects(ps))),
    Scenario("a ПГ group (no grades, daily attendance kept)", 0, pg_refresh, GRADES_ONLY,
             shows=lambda ps: any(p["pg_days"] for p in ps)),
    Scenario("a pupil without a stored payload", 9, column, FULL, drop_one_payload),
    Scenario("payloads built yesterday", 9, column, FULL, built_yesterday,
             shows=lambda ps: all(e["date"] >= TODAY.isoformat() for p in ps for e in p["events"])),
    Scenario("payloads of an older version", 9, column, FULL, older_version,
             shows=lambda ps: all(p["v"] == summary.PAYLOAD_VERSION for p in ps)),
    Scenario("a pupil renamed without a refresh: rebuilt in full", 9, column,
             [(summary.GRADES,), summary.PARTS], renamed_without_refresh,
             shows=lambda ps: any(p["student"]["first_name"] == "Преименуван" for p in ps)),
    Scenario("absences added", 9, lambda c: register(c, lambda n: "absent" if n % 3 == 0 else ""),
             ABSENCES_ONLY, shows=lambda ps: any(p["absences"]["unexcused"] for p in ps)),
    Scenario("absences excused", 9, excuse, ABSENCES_ONLY,
             shows=lambda ps: any(p["absences"]["excused"] for p in ps)),
    Scenario("a late", 9, lambda c: register(c, lambda n: "late" if n == 1 else "", 1),
             ABSENCES_ONLY, shows=lambda ps: any(p["absences"]["lates"] for p in ps)),
    Scenario("absences taken back (present)", 9, lambda c: register(c, lambda n: ""),
             ABSENCES_ONLY),
    Scenario("an absence deleted", 9, delete_absence, ABSENCES_ONLY),
    Scenario("a register on payloads of an older version", 9,
             lambda c: register(c, lambda n: "absent" if n < 2 else ""), FULL,
             lambda c: older_version(c, 2)),  # the two pupils the register marks
]  # fmt: skip


def test_section_refresh_gives_what_a_full_build_gives(
    school: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary.rebuild_school(1)
    db.session.commit()
    calls: list[tuple[str, ...]] = []
    build = summary.build_payloads

    def recorded(
        school_year: SchoolYear, ids: Any = None, parts: Any = summary.PARTS
    ) -> dict[int, dict[str, Any]]:
        calls.append(tuple(parts))
        return build(school_year, ids, parts)

    monkeypatch.setattr(summary, "build_payloads", recorded)
    for scenario in SCENARIOS:
        class_id = klass(scenario.level).id
        if scenario.prepare is not None:
            scenario.prepare(class_id)
            db.session.commit()
        calls.clear()
        scenario.save(class_id)
        assert calls == scenario.path, scenario.name
        monkeypatch.setattr(summary, "build_payloads", build)
        assert_as_full_build(scenario.name, class_id)
        if scenario.shows is not None:
            assert scenario.shows(list(stored(pupils(class_id)).values())), scenario.name
        monkeypatch.setattr(summary, "build_payloads", recorded)


def test_a_grade_column_refresh_reads_fewer_statements_whatever_its_size(
    school: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The column's save sends the same statements for 2 pupils as for the whole class, and 15
    fewer than the full refresh it replaces (one read of the stored payloads, then the pupils,
    the subjects and the grades, instead of the 19 queries of a full build). On SQLite the ORM
    inserts the grade and audit rows one by one; those are left out of the comparison by size."""
    summary.rebuild_school(1)
    db.session.commit()
    class_id = klass(9).id
    ids = pupils(class_id)
    cur = curriculum(class_id).id

    def save(count: int, mark: str) -> list[str]:
        with counted_statements() as statements:
            typed = {sid: mark for sid in ids[:count]}
            grades_uc.save_grade_column(admin(), cur, kind="current", date=TODAY, values=typed)
        per_row = ("INSERT INTO grade ", "INSERT INTO audit_log ")
        if db.engine.dialect.name == "sqlite":
            return [s for s in statements if not s.startswith(per_row)]
        return statements

    small, large = save(2, "4"), save(len(ids), "5")
    assert len(ids) > 2 and len(small) == len(large), "\n".join(large)
    reads = tables_read(large)
    for table in ("absence", "remark", "sanction", "event", "parent_meeting", "homework"):
        assert table not in reads, table
    assert {"grade", "student_summary"} <= reads

    monkeypatch.setattr(  # the save as it was: the full refresh
        summary_sections, "refresh_students", lambda y, i, _parts: summary.refresh_students(y, i)
    )
    before = save(len(ids), "6")
    assert len(before) - len(large) == 15, "\n".join(before)


def test_a_register_refresh_reads_fewer_statements_whatever_the_marks(
    school: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-model refresh of a lesson's register sends the same statements for 2 absent
    pupils as for the whole class absent, none of them reads the grades, and 15 fewer than the
    full refresh. (Counted inside ``core.refresh_summaries``: the rest of the register varies
    with the marks, e.g. the monthly threshold alerts.)"""
    summary.rebuild_school(1)
    db.session.commit()
    class_id = klass(9).id
    ids = pupils(class_id)
    refreshes: list[list[str]] = []
    refresh = core.refresh_summaries

    def counted(pairs: Any, parts: Any = None) -> None:
        with counted_statements() as statements:
            refresh(pairs, parts)
        refreshes.append(statements)

    monkeypatch.setattr(core, "refresh_summaries", counted)

    def save(slot: int, count: int) -> list[str]:
        register(class_id, lambda n: "absent" if n < count else "", slot)
        return refreshes[-1]

    small, large = save(0, 2), save(1, len(ids))
    assert len(ids) > 2 and len(small) == len(large), "\n".join(large)
    reads = tables_read(large)
    for table in ("grade", "remark", "sanction", "event", "parent_meeting", "homework"):
        assert table not in reads, table
    assert {"absence", "student_summary"} <= reads

    monkeypatch.setattr(  # the save as it was: the full refresh
        summary_sections, "refresh_students", lambda y, i, _parts: summary.refresh_students(y, i)
    )
    before = save(2, len(ids))
    assert len(before) - len(large) == 15, "\n".join(before)
