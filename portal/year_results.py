"""The year's sections of the class book on the child's page of the portal: a preparatory
group's daily attendance (the year's counts and every absent day with its reason) and the ПГ
results, first grade's overall annual result, the annual result of V–XII with its retake exams.
Only the child's own rows: every query filters by the child's school, class and id."""

from __future__ import annotations

from typing import Any

from gradebook import pg_attendance
from gradebook import rules
from gradebook import year_results
from portal.children import ChildContext


def record(ctx: ChildContext) -> dict[str, Any]:
    klass, year = ctx.school_class, ctx.school_year
    if klass is None or year is None:
        return {}
    school_id, sid = ctx.school.id, ctx.id
    sections = rules.class_book_sections(klass.grade_level)
    out: dict[str, Any] = {"sections": sections}
    if "attendance" in sections:
        out["attendance"] = pg_attendance.child_attendance(school_id, sid, year.id)
    if "pg_results" in sections:
        names = {c.subject_id: c.subject.name for c in year_results.class_subjects(klass.id)}
        out["pg_results"] = [
            {"subject": names.get(subject_id, ""), "start": r.start_result, "end": r.end_result}
            for (student_id, subject_id), r in sorted(
                year_results.pg_results_of(school_id, klass.id).items()
            )
            if student_id == sid
        ]
    if "first_grade_result" in sections:
        row = year_results.first_grade_results_of(school_id, klass.id).get(sid)
        if row is not None:
            out["first_grade"] = (
                rules.QUALITATIVE_GRADES[row.qualitative]
                if row.qualitative
                else rules.SPECIAL_NEEDS_MARKS.get(row.special or 0, "")
            )
    if "grade_results" in sections:
        result = year_results.grade_results_of(school_id, klass.id).get(sid)
        if result is not None:
            names = {c.id: c.subject.name for c in year_results.class_subjects(klass.id)}
            out["grade_result"] = {
                "initial": rules.GRADE_RESULTS_LONG[result.initial],
                "final": rules.GRADE_RESULTS_LONG[result.final] if result.final else "",
                "retake": [names.get(s.curriculum_id, "") for s in result.subjects],
            }
    return out
