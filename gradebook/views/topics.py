"""Lesson topics and topic plans on the staff web.

* the topics part of the lesson page (``views/absences.lesson`` saves them with the register in
  one press of "Запиши": :func:`with_topics`, :func:`page_context`, the include
  ``gradebook/_lesson_topics.html``);
* a curriculum row's yearly topic plan: ``/curricula/<id>/plan`` (list, add), editing and
  deleting a row (``/plan-topics/<id>``); the import is the onboarding import ``topic_plan``;
* the director's list of held lessons without a topic: ``/topics/missing``.

The rules and use-cases are :mod:`gradebook.topics`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from config import clock
from gradebook import access
from gradebook import core
from gradebook import rules
from gradebook import topics as topics_uc
from gradebook.forms import CsrfForm
from gradebook.lessons import find_lesson
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.staff_base import fail
from models import Curriculum
from models import PlanTopic
from models import TimetableSlot

# --- the lesson page's topics --------------------------------------------------------------------


def posted_rows() -> list[tuple[str, str]] | None:
    """The topic rows of the lesson form, or None when the form has no topics part."""
    if not request.form.get("topics_form"):
        return None
    return [
        (request.form.get(f"topic_title{i}", ""), request.form.get(f"topic_plan{i}", ""))
        for i in range(rules.TOPICS_PER_LESSON_MAX)
    ]


def with_topics(
    me: core.Actor,
    slot: TimetableSlot,
    date_text: str,
    override_lock: bool,
    register: Callable[[], dict[str, Any]],
) -> Callable[[], dict[str, Any]]:
    """The lesson form's one save: the topics are read first (a bad one saves nothing), then the
    register, then the topics."""
    rows = posted_rows()

    def save() -> dict[str, Any]:
        topics = topics_uc.read_posted_topics(rows) if rows is not None else None
        counts = register()
        if topics is not None:
            counts["topics"] = topics_uc.save_lesson_topics(
                me, slot.id, date=date_text, topics=topics, override_lock=override_lock
            )
        return counts

    return save


def saved_text(counts: dict[str, Any]) -> str:
    changed = counts.get("topics")
    if not changed or not any(changed.values()):
        return ""
    return (
        f" Теми: нови {changed['created']}, променени {changed['updated']}, "
        f"премахнати {changed['deleted']}."
    )


def page_context(
    me: core.Actor, slot: TimetableSlot, day: Any, errors: dict[str, str]
) -> dict[str, Any]:
    """What the include shows: the lesson's topics (or what was typed), the plan to choose from,
    the next planned topic offered in the first empty row, who may edit the plan."""
    lesson = find_lesson(slot, day)
    saved = topics_uc.lesson_topics(lesson)
    plan = topics_uc.plan_of(me.school_id, slot.curriculum_id)
    typed = posted_rows() if request.method == "POST" else None
    if typed is not None:
        rows = [(title, plan_id) for title, plan_id in typed]
    else:
        rows = [
            (
                t.title
                if t.plan_topic_id is None or t.plan_topic is None or t.title != t.plan_topic.title
                else "",
                str(t.plan_topic_id or ""),
            )
            for t in saved
        ]
        if not saved:
            upcoming = topics_uc.next_planned(
                me.school_id, slot.curriculum_id, lesson.id if lesson else None
            )
            rows = [("", str(upcoming.id) if upcoming else "")]
    # the rows in use and one more (two at least), up to the limit: a form of five plan pickers
    # of a hundred topics each would be heavy on a phone
    # (typed rows keep their places: the error of a row names its index)
    used = [i for i, (title, plan_id) in enumerate(rows) if title.strip() or plan_id.strip()]
    shown = min(rules.TOPICS_PER_LESSON_MAX, max(2, (used[-1] + 2) if used else 1))
    rows = rows + [("", "")] * rules.TOPICS_PER_LESSON_MAX
    curriculum = slot.curriculum
    return {
        "topic_rows": rows[:shown],
        "topic_plan": plan,
        "topic_errors": errors,
        "topics_saved": saved,
        "plan_editable": topics_uc.can_edit_plan(me, curriculum),
    }


# --- a curriculum row's plan ---------------------------------------------------------------------
def _plan_curriculum(curriculum_id: int) -> tuple[core.Actor, Curriculum]:
    me = actor()
    curriculum = core.get_in_school(Curriculum, curriculum_id, me.school_id)
    if not (topics_uc.can_edit_plan(me, curriculum) or me.can_view_class(curriculum.class_id)):
        abort(403)
    return me, curriculum


@bp.route("/curricula/<int:curriculum_id>/plan", methods=["GET", "POST"])
@access.staff_required
def topic_plan(curriculum_id: int) -> Any:
    me, curriculum = _plan_curriculum(curriculum_id)
    form = CsrfForm()
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            row = topics_uc.add_plan_topic(
                me,
                curriculum.id,
                number=request.form.get("number", ""),
                title=request.form.get("title", ""),
                note=request.form.get("note", ""),
            )
        except core.OperationError as exc:
            fail(exc)
            errors, status = exc.errors, exc.status
        else:
            flash(f"Темата № {row.number} е добавена.", "success")
            return redirect(url_for("staff.topic_plan", curriculum_id=curriculum.id))
    plan = topics_uc.plan_of(me.school_id, curriculum.id)
    used = topics_uc.used_plan_topics(me.school_id, curriculum.id)
    upcoming = topics_uc.next_planned(me.school_id, curriculum.id)
    return (
        render_template(
            "gradebook/topic_plan.html",
            form=form,
            curriculum=curriculum,
            plan=plan,
            used=used,
            upcoming=upcoming,
            editable=topics_uc.can_edit_plan(me, curriculum),
            is_admin=me.is_admin,
            errors=errors,
            values=request.form,
            next_number=(plan[-1].number + 1) if plan else 1,
        ),
        status,
    )


@bp.route("/plan-topics/<int:plan_topic_id>", methods=["GET", "POST"])
@access.staff_required
def plan_topic_edit(plan_topic_id: int) -> Any:
    me = actor()
    row = core.get_in_school(PlanTopic, plan_topic_id, me.school_id)
    curriculum = core.get_in_school(Curriculum, row.curriculum_id, me.school_id)
    if not topics_uc.can_edit_plan(me, curriculum):
        abort(403)
    form = CsrfForm()
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            topics_uc.edit_plan_topic(
                me,
                row.id,
                number=request.form.get("number", ""),
                title=request.form.get("title", ""),
                note=request.form.get("note", ""),
            )
        except core.OperationError as exc:
            fail(exc)
            errors, status = exc.errors, exc.status
        else:
            flash("Темата е записана.", "success")
            return redirect(url_for("staff.topic_plan", curriculum_id=curriculum.id))
    return (
        render_template(
            "gradebook/plan_topic_edit.html",
            form=form,
            row=row,
            curriculum=curriculum,
            errors=errors,
            values=request.form if request.method == "POST" else None,
        ),
        status,
    )


@bp.post("/plan-topics/<int:plan_topic_id>/delete")
@access.staff_required
def plan_topic_delete(plan_topic_id: int) -> Any:
    me = actor()
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        curriculum_id = topics_uc.delete_plan_topic(me, plan_topic_id)
    except core.OperationError as exc:
        fail(exc)
        return redirect(url_for("staff.home"))
    flash("Темата е изтрита от разпределението.", "success")
    return redirect(url_for("staff.topic_plan", curriculum_id=curriculum_id))


# --- the director's list -------------------------------------------------------------------------
@bp.get("/topics/missing")
@access.admin_required
def missing_topics() -> Any:
    me = actor()
    now = clock.now()
    try:
        rows = topics_uc.missing_topics(
            me.school_id, clock.today(), now.time().replace(tzinfo=None)
        )
    except core.OperationError as exc:
        fail(exc)
        rows = []
    return render_template("gradebook/missing_topics.html", rows=rows[:1000], total=len(rows))
