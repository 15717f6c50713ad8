"""The school admin's settings of the school (``/admin/settings``): name and contacts, the
absence warnings, quiet hours and the digest, the days a parent may excuse. Use-case in
:mod:`gradebook.school_settings`."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask import request
from flask import url_for

from gradebook import school_settings
from gradebook.forms import SchoolSettingsForm
from gradebook.staff_base import actor
from gradebook.views.admin_common import admin_route
from gradebook.views.admin_common import submit

FIELDS = (
    "name",
    "town",
    "address",
    "email",
    "absence_threshold",
    "pg_absence_threshold_days",
    "quiet_start",
    "quiet_end",
    "digest_time",
    "parent_excuse_days_year",
    "parent_excuse_days_in_row",
)


@admin_route("/admin/settings", ["GET", "POST"])
def admin_settings() -> Any:
    me = actor()
    school = school_settings.school_of(me)
    form = SchoolSettingsForm(obj=school if request.method == "GET" else None)
    if request.method == "GET":  # a decimal comma, as the school writes it
        form.absence_threshold.data = f"{school.absence_threshold:.1f}".replace(".", ",")

    def page(form: SchoolSettingsForm, status: int) -> Any:
        return render_template("gradebook/admin_settings.html", form=form, school=school), status

    return submit(
        form,
        lambda: school_settings.save_school_settings(
            me, **{name: request.form.get(name, "") for name in FIELDS}
        ),
        "Настройките на училището са записани.",
        url_for("staff.admin_settings"),
        page,
    )
