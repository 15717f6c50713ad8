"""The school admin's calendar and timetable: the year's dates and lock settings, vacations and
non-school days, bell times (``/admin/year``), and a class's weekly timetable slots (on the class
page, ``/admin/classes/<id>``). Use-cases in :mod:`gradebook.timetable`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask import request
from flask import url_for

from gradebook import access
from gradebook import core
from gradebook import timetable
from gradebook.forms import BellForm
from gradebook.forms import CsrfForm
from gradebook.forms import HolidayForm
from gradebook.forms import NewYearForm
from gradebook.forms import SlotForm
from gradebook.forms import YearSettingsForm
from gradebook.staff_base import actor
from gradebook.staff_base import bp
from gradebook.views.admin_common import strict_button
from gradebook.views.admin_common import submit
from gradebook.views.admin_school import class_page
from gradebook.views.admin_school import slot_choices
from models import BellTime
from models import ClassesEnd
from models import NonSchoolDay
from models import SchoolClass
from models import SchoolYear
from models import db


@bp.route("/admin/year", methods=["GET", "POST"])
@access.admin_required
def admin_year() -> Any:
    me = actor()
    year = core.current_year(me.school_id)
    form = YearSettingsForm(obj=year if request.method == "GET" else None)
    return submit(
        form,
        lambda: timetable.save_year_settings(
            me,
            month_lock_day=form.month_lock_day.data,
            future_entry_lock=bool(form.future_entry_lock.data),
            starts_on=form.starts_on.data,
            term2_starts_on=form.term2_starts_on.data,
            ends_on=form.ends_on.data,
        ),
        "Настройките са записани.",
        url_for("staff.admin_year"),
        lambda form, status: year_page(form=form, status=status),
    )


def year_page(
    form: YearSettingsForm | None = None,
    holiday_form: HolidayForm | None = None,
    bell_form: BellForm | None = None,
    status: int = 200,
    year_form: NewYearForm | None = None,
) -> Any:
    """The year page: settings, the school's years, non-school days, end of classes, bells."""
    me = actor()
    year = core.current_year(me.school_id)
    years = list(
        db.session.scalars(
            sa.select(SchoolYear)
            .where(SchoolYear.school_id == me.school_id)
            .order_by(SchoolYear.starts_on.desc())
        )
    )
    holidays = list(
        db.session.scalars(
            sa.select(NonSchoolDay)
            .where(NonSchoolDay.school_year_id == year.id)
            .order_by(NonSchoolDay.date_from)
        )
    )
    ends = list(
        db.session.scalars(
            sa.select(ClassesEnd)
            .where(ClassesEnd.school_year_id == year.id)
            .order_by(ClassesEnd.grade_from)
        )
    )
    bells = list(
        db.session.scalars(
            sa.select(BellTime)
            .where(BellTime.school_id == me.school_id)
            .order_by(BellTime.shift, BellTime.period)
        )
    )
    return (
        render_template(
            "gradebook/admin_year.html",
            form=form or YearSettingsForm(formdata=None, obj=year),
            holiday_form=holiday_form or HolidayForm(formdata=None),
            bell_form=bell_form or BellForm(formdata=None),
            year_form=year_form or NewYearForm(formdata=None, prefix="new"),
            button_form=CsrfForm(),
            year=year,
            years=years,
            holidays=holidays,
            ends=ends,
            bells=bells,
        ),
        status,
    )


@bp.post("/admin/holidays")
@access.admin_required
def admin_holiday_new() -> Any:
    me = actor()
    form = HolidayForm()
    return submit(
        form,
        lambda: timetable.add_non_school_day(
            me,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
            name=form.name.data or "",
            grade_from=form.grade_from.data if form.grade_from.data is not None else 0,
            grade_to=form.grade_to.data if form.grade_to.data is not None else 12,
        ),
        "Неучебните дни са добавени.",
        url_for("staff.admin_year"),
        lambda form, status: year_page(holiday_form=form, status=status),
    )


@bp.post("/admin/holidays/<int:day_id>/delete")
@access.admin_required
def admin_holiday_delete(day_id: int) -> Any:
    return strict_button(
        lambda me: timetable.delete_non_school_day(me, day_id),
        "Записът е изтрит.",
        lambda _none: url_for("staff.admin_year"),
    )


@bp.post("/admin/bells")
@access.admin_required
def admin_bell() -> Any:
    me = actor()
    form = BellForm()
    return submit(
        form,
        lambda: timetable.save_bell_time(
            me,
            shift=form.shift.data,
            period=form.period.data,
            starts_at=form.starts_at.data,
            ends_at=form.ends_at.data,
        ),
        "Звънецът е записан.",
        url_for("staff.admin_year"),
        lambda form, status: year_page(bell_form=form, status=status),
    )


@bp.post("/admin/classes/<int:class_id>/timetable")
@access.admin_required
def admin_slot_new(class_id: int) -> Any:
    me = actor()
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    form = SlotForm()
    slot_choices(klass, form)
    return submit(
        form,
        lambda: timetable.add_timetable_slot(
            me,
            class_id=klass.id,
            curriculum_id=form.curriculum_id.data,
            weekday=form.weekday.data,
            period=form.period.data,
            term=form.term.data,
            room=form.room.data or "",
        ),
        "Часът е добавен в програмата.",
        url_for("staff.admin_class", class_id=klass.id),
        lambda form, status: class_page(klass.id, slot_form=form, status=status),
    )


@bp.post("/admin/timetable/<int:slot_id>/delete")
@access.admin_required
def admin_slot_delete(slot_id: int) -> Any:
    return strict_button(
        lambda me: timetable.delete_timetable_slot(me, slot_id),
        "Часът е премахнат от програмата.",
        lambda class_id: url_for("staff.admin_class", class_id=class_id),
    )
