"""The school admin's calendar and timetable: the year's dates and lock settings, vacations and
non-school days, bell times (``/admin/year``), and a class's weekly timetable slots (on the class
page, ``/admin/classes/<id>``). Use-cases in :mod:`gradebook.timetable`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask import request
from flask import url_for

from gradebook import core
from gradebook import timetable
from gradebook.forms import BellForm
from gradebook.forms import CsrfForm
from gradebook.forms import HolidayForm
from gradebook.forms import NewYearForm
from gradebook.forms import SlotForm
from gradebook.forms import YearSettingsForm
from gradebook.staff_base import actor
from gradebook.staff_base import form_values
from gradebook.staff_base import rows
from gradebook.views.admin_common import FormRow
from gradebook.views.admin_common import StrictRow
from gradebook.views.admin_common import admin_route
from gradebook.views.admin_common import form_routes
from gradebook.views.admin_common import strict_routes
from gradebook.views.admin_common import submit
from gradebook.views.admin_school import class_page
from gradebook.views.admin_school import slot_choices
from models import BellTime
from models import ClassesEnd
from models import NonSchoolDay
from models import SchoolClass
from models import SchoolYear


@admin_route("/admin/year", ["GET", "POST"])
def admin_year() -> Any:
    me = actor()
    year = core.current_year(me.school_id)
    form = YearSettingsForm(obj=year if request.method == "GET" else None)
    return submit(
        form,
        lambda: timetable.save_year_settings(
            me,
            **form_values(form, "month_lock_day", "starts_on", "term2_starts_on", "ends_on"),
            future_entry_lock=bool(form.future_entry_lock.data),
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
    years = rows(
        sa.select(SchoolYear)
        .where(SchoolYear.school_id == me.school_id)
        .order_by(SchoolYear.starts_on.desc())
    )
    holidays = rows(
        sa.select(NonSchoolDay)
        .where(NonSchoolDay.school_year_id == year.id)
        .order_by(NonSchoolDay.date_from)
    )
    ends = rows(
        sa.select(ClassesEnd)
        .where(ClassesEnd.school_year_id == year.id)
        .order_by(ClassesEnd.grade_from)
    )
    bells = rows(
        sa.select(BellTime)
        .where(BellTime.school_id == me.school_id)
        .order_by(BellTime.shift, BellTime.period)
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


def _add_holiday(me: core.Actor, form: HolidayForm) -> Any:
    grade_to = form.grade_to.data  # 0 is a grade: only a blank field is "up to the 12th"
    return timetable.add_non_school_day(
        me,
        **form_values(form, "date_from", "date_to", name="", grade_from=0),
        grade_to=12 if grade_to is None else grade_to,
    )


def _slot_form(me: core.Actor, class_id: int) -> SlotForm:
    klass = core.get_in_school(SchoolClass, class_id, me.school_id)
    form = SlotForm()
    slot_choices(klass, form)
    return form


form_routes(
    year_page,
    FormRow(
        "admin_holiday_new",
        "/admin/holidays",
        lambda _me: HolidayForm(),
        _add_holiday,
        "Неучебните дни са добавени.",
        "staff.admin_year",
        "holiday_form",
    ),
    FormRow(
        "admin_bell",
        "/admin/bells",
        lambda _me: BellForm(),
        lambda me, form: timetable.save_bell_time(
            me, **form_values(form, "shift", "period", "starts_at", "ends_at")
        ),
        "Звънецът е записан.",
        "staff.admin_year",
        "bell_form",
    ),
)
form_routes(
    class_page,
    FormRow(
        "admin_slot_new",
        "/admin/classes/<int:class_id>/timetable",
        _slot_form,
        lambda me, form, class_id: timetable.add_timetable_slot(
            me,
            class_id=class_id,
            **form_values(form, "curriculum_id", "weekday", "period", "term", room=""),
        ),
        "Часът е добавен в програмата.",
        "staff.admin_class",
        "slot_form",
    ),
)
strict_routes(
    StrictRow(
        "admin_holiday_delete",
        "/admin/holidays/<int:day_id>/delete",
        timetable.delete_non_school_day,
        "Записът е изтрит.",
        lambda _none: url_for("staff.admin_year"),
    ),
    StrictRow(
        "admin_slot_delete",
        "/admin/timetable/<int:slot_id>/delete",
        timetable.delete_timetable_slot,
        "Часът е премахнат от програмата.",
        lambda class_id: url_for("staff.admin_class", class_id=class_id),
    ),
)
