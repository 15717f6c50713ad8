"""The school admin's settings of the school (``/admin/settings``): name and contacts, the
absence warnings, quiet hours and the digest, the days a parent may excuse. Use-case in
:mod:`gradebook.school_settings`."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask import request
from flask import url_for

from gradebook import rules
from gradebook import school_settings
from gradebook.forms import SchoolSettingsForm
from gradebook.staff_base import actor
from gradebook.views.admin_common import admin_route
from gradebook.views.admin_common import submit


@admin_route("/admin/settings", ["GET", "POST"])
def admin_settings() -> Any:
    me = actor()
    school = school_settings.school_of(me)
    form = SchoolSettingsForm(obj=school if request.method == "GET" else None)
    if request.method == "GET":  # a decimal comma, as the school writes it
        form.absence_threshold.data = rules.format_decimal_bg(school.absence_threshold, 1)
    fields = [f.name for f in form if f.name != "csrf_token"]

    def page(form: SchoolSettingsForm, status: int) -> Any:
        return (
            render_template(
                "gradebook/admin_settings.html",
                form=form,
                school=school,
                limits={  # the law's limits the page states and the inputs keep to
                    "hours": int(school_settings.THRESHOLD_MAX),
                    "pg_days": school_settings.PG_DAYS_MAX,
                    "year_days": school_settings.EXCUSE_DAYS_YEAR_MAX,
                    "row_days": school_settings.EXCUSE_DAYS_IN_ROW_MAX,
                },
            ),
            status,
        )

    return submit(
        form,
        lambda: school_settings.save_school_settings(
            me, **{name: request.form.get(name, "") for name in fields}
        ),
        "Настройките на училището са записани.",
        url_for("staff.admin_settings"),
        page,
    )
