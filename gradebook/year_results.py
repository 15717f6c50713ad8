"""The year's results in the class book, written by the class teacher and the admins (the class
book's "book admins"): the ПГ results (a start-of-year and an end-of-year result per child and
subject, the Ministry's ``PgResult``), first grade's overall annual result (``FirstGradeResult``:
a qualitative grade, or a СОП mark) and the annual result of a pupil of V–XII (``GradeResult``:
completes, must sit retake exams in named subjects, repeats; the retake sessions and the final
result). The annual result is suggested from the annual grades (:func:`rules.suggest_result`:
an annual Слаб 2 → a retake in that subject) and confirmed by the class teacher.

Only classes whose class book has the section (:func:`rules.class_book_sections`). The results
carry no date of their own: the entry day (today) goes through ``core.check_lock`` (within the
school year). Every create, change and removal is audited. The reads (:func:`pg_results_of`,
:func:`first_grade_results_of`, :func:`grade_results_of`, :func:`annual_grades`,
:func:`suggestions`) serve the staff pages, the portal and the class book's PDF."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import rules
from gradebook.core import Actor
from gradebook.core import Forbidden
from gradebook.core import Invalid
from gradebook.core import NotFound
from gradebook.core import add_audited
from gradebook.core import assign
from gradebook.core import atomic
from gradebook.core import audit
from gradebook.core import check_lock
from gradebook.core import check_version
from gradebook.core import commit_refreshed
from gradebook.core import get_in_school
from gradebook.core import reason_required
from gradebook.core import snapshot
from gradebook.core import update_audited
from gradebook.messages import msg
from gradebook.pg_attendance import roll
from models import Curriculum
from models import FirstGradeResult
from models import Grade
from models import GradeCategory
from models import GradeKind
from models import GradeResult
from models import GradeResultSubject
from models import PgResult
from models import SchoolClass
from models import SchoolYear
from models import db


def _class_for(actor: Actor, class_id: int, section: str) -> SchoolClass:
    klass = get_in_school(SchoolClass, class_id, actor.school_id)
    if not actor.can_manage_class(klass.id):
        raise Forbidden(msg("year_results.forbidden"))
    if not rules.has_section(klass.grade_level, section):
        missing = {
            "pg_results": msg("year_results.no_pg_results"),
            "first_grade_result": msg("year_results.no_first_grade"),
            "grade_results": msg("year_results.no_grade_results"),
        }
        raise Invalid(missing[section])
    year = db.session.get(SchoolYear, klass.school_year_id)
    assert year is not None
    check_lock(actor, year, clock.today(), what=section)
    return klass


def _pupils(klass: SchoolClass) -> list[int]:
    return [e.student_id for e in roll(klass)]


def _check_pupils(klass: SchoolClass, given: Sequence[int]) -> list[int]:
    pupils = _pupils(klass)
    if set(given) - set(pupils):
        raise Invalid(msg("common.choose_student_of_class"))
    return pupils


def class_subjects(class_id: int) -> list[Curriculum]:
    """The class's curriculum rows (a ПГ group's subjects, the subjects of the retake exams)."""
    return list(
        db.session.scalars(
            sa.select(Curriculum)
            .where(Curriculum.class_id == class_id)
            .order_by(Curriculum.id)
            .options(sa.orm.joinedload(Curriculum.subject))
        )
    )


def _sync(
    actor: Actor,
    klass: SchoolClass,
    model: Any,
    row: Any,
    values: dict[str, Any],
    **keys: Any,
) -> int:
    """Make a pupil's result row hold ``values`` (audited): a new row when there was none, the
    row removed when every value is empty, changed when different. 1 when something changed."""
    empty = not any(values.values())
    if row is None:
        if empty:
            return 0
        add_audited(
            actor,
            model(
                school_id=actor.school_id,
                school_year_id=klass.school_year_id,
                class_id=klass.id,
                author_id=actor.staff_id,
                **keys,
                **values,
            ),
        )
    elif empty:
        audit(actor, "delete", row, before=snapshot(row), after=None)
        db.session.delete(row)
    elif any(getattr(row, k) != v for k, v in values.items()):
        update_audited(actor, row, lambda: assign(row, values))
    else:
        return 0
    return 1


# --- ПГ results ------------------------------------------------------------------------------------
def pg_results_of(school_id: int, class_id: int) -> dict[tuple[int, int], PgResult]:
    """(pupil id, subject id) → the ПГ result."""
    return {
        (r.student_id, r.subject_id): r
        for r in db.session.scalars(
            sa.select(PgResult).where(
                PgResult.school_id == school_id, PgResult.class_id == class_id
            )
        )
    }


def save_pg_results(
    actor: Actor, class_id: int, subject_id: int, results: Mapping[int, tuple[str, str]]
) -> int:
    """One subject's results of the group: pupil id → (start of year, end of year) text. An
    emptied pair removes the result. Returns how many rows changed."""

    def work() -> int:
        klass = _class_for(actor, class_id, "pg_results")
        if subject_id not in {c.subject_id for c in class_subjects(klass.id)}:
            raise Invalid(msg("common.choose_subject"))
        _check_pupils(klass, list(results))
        errors: dict[str, str] = {}
        for sid, (start, end) in results.items():
            for name, text in (("start", start), ("end", end)):
                if len(text.strip()) > rules.PG_RESULT_MAX:
                    errors[f"{name}_{sid}"] = msg("common.text_limit", limit=2000, length=len(text))
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        stored = pg_results_of(actor.school_id, klass.id)
        changed = 0
        for sid, (start, end) in results.items():
            changed += _sync(
                actor,
                klass,
                PgResult,
                stored.get((sid, subject_id)),
                {"start_result": start.strip(), "end_result": end.strip()},
                student_id=sid,
                subject_id=subject_id,
            )
        commit_refreshed((sid, klass.school_year_id) for sid in results)  # the phone's menu 3
        return changed

    return int(atomic(work))


# --- first grade ---------------------------------------------------------------------------------
def first_grade_results_of(school_id: int, class_id: int) -> dict[int, FirstGradeResult]:
    return {
        r.student_id: r
        for r in db.session.scalars(
            sa.select(FirstGradeResult).where(
                FirstGradeResult.school_id == school_id, FirstGradeResult.class_id == class_id
            )
        )
    }


def parse_first_grade(raw: str) -> tuple[int | None, int | None]:
    """A picker's value: "q2"…"q6" a qualitative grade, "s1"…"s3" a СОП mark, "" none."""
    if not raw:
        return None, None
    kind, number = raw[:1], raw[1:]
    if kind in ("q", "s") and number.isascii() and number.isdigit():
        return (int(number), None) if kind == "q" else (None, int(number))
    raise Invalid(msg("year_results.choose_result"))


def save_first_grade_results(actor: Actor, class_id: int, results: Mapping[int, str]) -> int:
    """Pupil id → the picker's value (:func:`parse_first_grade`); an emptied one removes it."""

    def work() -> int:
        klass = _class_for(actor, class_id, "first_grade_result")
        _check_pupils(klass, list(results))
        stored = first_grade_results_of(actor.school_id, klass.id)
        errors: dict[str, str] = {}
        parsed: dict[int, tuple[int | None, int | None]] = {}
        for sid, raw in results.items():
            try:
                qualitative, special = parse_first_grade(raw)
            except Invalid as exc:
                errors[f"result_{sid}"] = str(exc)
                continue
            parsed[sid] = (qualitative, special)
            row = stored.get(sid)
            if qualitative is None and special is None:
                continue
            problem = rules.first_grade_problem(
                qualitative, special, had_special=None if row is None else row.special is not None
            )
            if problem:
                errors[f"result_{sid}"] = problem
        if errors:
            raise Invalid(msg("common.fix_marked_fields"), errors)
        changed = 0
        for sid, (qualitative, special) in parsed.items():
            values = {"qualitative": qualitative, "special": special}
            changed += _sync(
                actor, klass, FirstGradeResult, stored.get(sid), values, student_id=sid
            )
        commit_refreshed((sid, klass.school_year_id) for sid in parsed)  # the phone's menu 3
        return changed

    return int(atomic(work))


# --- annual results (V–XII) ----------------------------------------------------------------------
def annual_grades(school_id: int, class_id: int) -> dict[int, dict[int, int | None]]:
    """Pupil id → curriculum row id → the annual grade (whole 2–6; None where not set, or a
    СОП mark, which has no retake)."""
    curricula = [c.id for c in class_subjects(class_id)]
    out: dict[int, dict[int, int | None]] = defaultdict(dict)
    klass = db.session.get(SchoolClass, class_id)
    assert klass is not None
    pupils = [e.student_id for e in roll(klass)]
    for sid in pupils:
        out[sid] = dict.fromkeys(curricula)
    for sid, cid, value, category in db.session.execute(
        sa.select(Grade.student_id, Grade.curriculum_id, Grade.value, Grade.category).where(
            Grade.school_id == school_id,
            Grade.kind == GradeKind.ANNUAL,
            Grade.curriculum_id.in_(curricula or [0]),
            Grade.student_id.in_(pupils or [0]),
        )
    ):
        if category == GradeCategory.SOP or value is None:
            out[sid].pop(cid, None)
        else:
            out[sid][cid] = int(value)
    return dict(out)


def suggestions(school_id: int, class_id: int) -> dict[int, rules.ResultSuggestion]:
    return {
        sid: rules.suggest_result(grades)
        for sid, grades in annual_grades(school_id, class_id).items()
    }


def grade_results_of(school_id: int, class_id: int) -> dict[int, GradeResult]:
    return {
        r.student_id: r
        for r in db.session.scalars(
            sa.select(GradeResult)
            .where(GradeResult.school_id == school_id, GradeResult.class_id == class_id)
            .options(sa.orm.selectinload(GradeResult.subjects))
        )
    }


def sessions_of(row: GradeResultSubject) -> list[rules.Session]:
    return [
        rules.Session(getattr(row, f"session{i}_grade"), getattr(row, f"session{i}_no_show"))
        for i in (1, 2, 3)
    ]


def confirm_suggestions(actor: Actor, class_id: int) -> int:
    """Write the suggested result of every pupil who has none yet (the class teacher's
    confirmation of the list); pupils whose annual grades are not all set are left."""

    def work() -> int:
        klass = _class_for(actor, class_id, "grade_results")
        stored = grade_results_of(actor.school_id, klass.id)
        made: list[int] = []
        for sid, suggestion in suggestions(actor.school_id, klass.id).items():
            if sid in stored or suggestion.result is None:
                continue
            _create(actor, klass, sid, suggestion.result, suggestion.retake)
            made.append(sid)
        commit_refreshed((sid, klass.school_year_id) for sid in made)
        return len(made)

    return int(atomic(work))


def _create(
    actor: Actor, klass: SchoolClass, student_id: int, initial: int, retake: Sequence[int]
) -> GradeResult:
    row = GradeResult(
        school_id=actor.school_id,
        school_year_id=klass.school_year_id,
        class_id=klass.id,
        student_id=student_id,
        initial=initial,
        author_id=actor.staff_id,
    )
    row.subjects = [GradeResultSubject(school_id=actor.school_id, curriculum_id=c) for c in retake]
    add_audited(actor, row, after={**_state(row), "student_id": student_id})
    return row


def _state(row: GradeResult) -> dict[str, Any]:
    """What the audit keeps of a result: the codes and each retake's sessions."""
    return {
        "initial": row.initial,
        "final": row.final,
        "subjects": {
            str(s.curriculum_id): [[x.grade, x.no_show] for x in sessions_of(s)]
            for s in row.subjects
        },
    }


def save_grade_result(
    actor: Actor,
    class_id: int,
    student_id: int,
    *,
    initial: int | str,
    retake: Sequence[int],
    sessions: Mapping[int, Sequence[rules.Session]] | None = None,
    final: int | str | None = None,
    version: int | str | None = None,
    reason: str = "",
) -> GradeResult:
    """A pupil's annual result: the initial result, the retake subjects (curriculum rows of the
    class), their sessions and the final result. A change of a stored result needs a reason."""

    def work() -> GradeResult:
        klass = _class_for(actor, class_id, "grade_results")
        _check_pupils(klass, [student_id])
        try:
            code = int(initial)
            final_code = int(final) if final not in (None, "") else None  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise Invalid(msg("year_results.choose_result")) from None
        rows = sorted(set(retake))
        if set(rows) - {c.id for c in class_subjects(klass.id)}:
            raise Invalid(msg("common.choose_subject"))
        problem = rules.grade_result_problem(code, list(retake), final_code)
        given = dict(sessions or {})
        for cid in rows:
            problem = problem or rules.sessions_problem(list(given.get(cid, [])))
        if problem:
            raise Invalid(problem, {"initial": problem})
        row = grade_results_of(actor.school_id, klass.id).get(student_id)
        before = None
        if row is None:
            row = GradeResult(
                school_id=actor.school_id,
                school_year_id=klass.school_year_id,
                class_id=klass.id,
                student_id=student_id,
                author_id=actor.staff_id,
            )
            db.session.add(row)
            kept: dict[int, GradeResultSubject] = {}
        else:
            check_version(row, version)
            why = reason_required(reason)
            before = _state(row)
            kept = {s.curriculum_id: s for s in row.subjects}
            row.updated_at = clock.utc_naive()
        row.subjects = [
            kept.get(c) or GradeResultSubject(school_id=actor.school_id, curriculum_id=c)
            for c in rows
        ]
        row.initial = code
        row.final = final_code
        for subject in row.subjects:
            for i, s in enumerate(list(given.get(subject.curriculum_id, []))[:3], start=1):
                setattr(subject, f"session{i}_grade", s.grade)
                setattr(subject, f"session{i}_no_show", s.no_show)
        db.session.flush()
        after = {**_state(row), "student_id": student_id}
        if before is None:
            audit(actor, "create", row, before=None, after=after)
        else:
            audit(actor, "update", row, before=before, after=after, reason=why)
        commit_refreshed([(student_id, klass.school_year_id)])
        return row

    return atomic(work)  # type: ignore[no-any-return]


def delete_grade_result(
    actor: Actor, result_id: int, *, version: int | str | None, reason: str
) -> None:
    def work() -> None:
        row = get_in_school(GradeResult, result_id, actor.school_id)
        klass = _class_for(actor, row.class_id, "grade_results")
        if row.class_id != klass.id:
            raise NotFound(msg("common.not_found"))
        check_version(row, version)
        audit(actor, "delete", row, before=_state(row), after=None, reason=reason_required(reason))
        db.session.delete(row)
        commit_refreshed([(row.student_id, row.school_year_id)])

    atomic(work)


def suggested_final(row: GradeResult) -> int | None:
    return rules.suggest_final({s.curriculum_id: sessions_of(s) for s in row.subjects})


def outcomes(school_id: int, year_id: int) -> dict[int, str]:
    """For the school-year transition: pupil id → "promote" (завършва, at first or after the
    retakes) or "repeat" (повтаря) from the year's annual results; a pupil still to sit retake
    exams is left out (the transition's own default holds)."""
    out: dict[int, str] = {}
    for sid, initial, final in db.session.execute(
        sa.select(GradeResult.student_id, GradeResult.initial, GradeResult.final).where(
            GradeResult.school_id == school_id, GradeResult.school_year_id == year_id
        )
    ):
        result = final or initial
        if result == rules.RESULT_COMPLETES:
            out[sid] = "promote"
        elif result == rules.RESULT_REPEATS:
            out[sid] = "repeat"
    return out


def past_result_classes(school_id: int) -> list[tuple[str, SchoolClass, str]]:
    """The classes of earlier years whose book holds first grade's overall results or annual
    results: (year name, class, section), for the admin's list of the finished years."""
    out: list[tuple[str, SchoolClass, str]] = []
    for model, section in (
        (FirstGradeResult, "first_grade_result"),
        (GradeResult, "grade_results"),
    ):
        for klass, year_name in db.session.execute(
            sa.select(SchoolClass, SchoolYear.name)
            .join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
            .where(
                SchoolClass.school_id == school_id,
                SchoolYear.is_current.is_(False),
                SchoolClass.id.in_(sa.select(model.class_id).where(model.school_id == school_id)),
            )
            .order_by(SchoolYear.starts_on.desc(), SchoolClass.grade_level, SchoolClass.name)
        ):
            out.append((year_name, klass, section))
    return sorted(out, key=lambda r: (r[0], r[1].grade_level, r[1].name))
