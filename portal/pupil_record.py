"""The pupil's record on the child's page of the portal: the child's sanctions (with their
cancellation), the child's support measures (difficulties, activities, dates, the team) and
individual work — what the law lets the parents know: a sanction is communicated to them (ЗПУО
чл. 204), and they are partners in the support of their child (ЗПУО чл. 187, 188; Наредба за
приобщаващото образование) — and the notes of the class book for the whole class or about the
child. Never another child's: every query filters by the child's school and id (or class)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gradebook import rules
from models import ClassNote
from models import IndividualWork
from models import Sanction
from models import SupportMeasure
from models import db
from portal.children import ChildContext


def record(ctx: ChildContext) -> dict[str, Any]:
    school_id, student_id = ctx.school.id, ctx.id
    sanctions = [
        {
            "kind": rules.SANCTION_KINDS.get(s.kind, ""),
            "law": rules.SANCTION_LAW.get(s.kind, ""),
            "order_number": s.order_number,
            "order_date": s.order_date,
            "start_date": s.start_date,
            "end_date": s.end_date,
            "description": s.description,
            "cancel_order_number": s.cancel_order_number,
            "cancel_order_date": s.cancel_order_date,
        }
        for s in db.session.scalars(
            sa.select(Sanction)
            .where(Sanction.school_id == school_id, Sanction.student_id == student_id)
            .order_by(Sanction.order_date.desc(), Sanction.id.desc())
        )
    ]
    supports = [
        {
            "additional": m.additional,
            "difficulties": [rules.SUPPORT_DIFFICULTIES.get(c, "") for c in m.difficulties],
            "start_date": m.start_date,
            "end_date": m.end_date,
            "description": m.description,
            "expected_result": m.expected_result,
            "team": [t.full_name for t in m.team],
            "activities": [
                {
                    "name": rules.SUPPORT_ACTIVITIES.get(a.activity_type, ""),
                    "date": a.date,
                    "target": a.target,
                    "result": a.result,
                }
                for a in m.activities
            ],
        }
        for m in db.session.scalars(
            sa.select(SupportMeasure)
            .where(SupportMeasure.school_id == school_id, SupportMeasure.student_id == student_id)
            .order_by(SupportMeasure.start_date.desc())
        )
    ]
    works = [
        {"date": w.date, "activity": w.activity}
        for w in db.session.scalars(
            sa.select(IndividualWork)
            .where(IndividualWork.school_id == school_id, IndividualWork.student_id == student_id)
            .order_by(IndividualWork.date.desc())
        )
    ]
    notes: list[dict[str, Any]] = []
    if ctx.school_class is not None:
        notes = [
            {"date": n.date, "text": n.text, "about_child": n.student_id == student_id}
            for n in db.session.scalars(
                sa.select(ClassNote)
                .where(
                    ClassNote.school_id == school_id,
                    ClassNote.class_id == ctx.school_class.id,
                    sa.or_(ClassNote.student_id.is_(None), ClassNote.student_id == student_id),
                )
                .order_by(ClassNote.date.desc())
            )
        ]
    return {"sanctions": sanctions, "supports": supports, "works": works, "notes": notes}
