"""Справки: first as data (:class:`~onboarding.report_base.Report`), then rendered as HTML
(template), CSV, XLSX or PDF (:mod:`onboarding.report_render`).

Every builder takes the ``school_id`` and reads only that school's rows. Reports (``REPORTS``),
each built in the module of its topic:

* ``class-sheet``: students × subjects of one class: mean of current grades and the term grade
  (``report_grades``).
* ``school-averages``: per class and subject: number of grades, mean, official average of marks
  (``report_grades``).
* ``absences``: per student for a month: excused, unexcused, lates, weighted unexcused
  (``report_absences``).
* ``absences-months``: per student and month of the school year: weighted unexcused per month
  and the year's totals (``report_absences``).
* ``at-risk``: students above the school's monthly threshold (default 5 weighted unexcused hours)
  (``report_absences``).
* ``dropout-risk``: students at risk of dropping out as the Ministry counts them: the year so far,
  more than 5 weighted unexcused hours or more than 3 unexcused days (``report_dropout``).
* ``pg-attendance``: per child of a preparatory group for a month: days present, excused,
  unexcused (``report_pg``).
* ``success``: success analysis per class: Отличен … Слаб counts and the class average
  (``report_grades``).
* ``completeness``: teachers' entry completeness against the minimum current grades per term
  (``report_grades``).
* ``topics``: per class and subject, the dated topics of the lessons (``report_topics``).
* ``missing-topics``: the held lessons of the year without a topic (``report_topics``).
* ``substitutions``: the lessons of absent teachers in a month, by kind and who taught them
  (``report_substitutions``).
* ``lessons-held``: per teacher for a month: lessons by the timetable, held by them, by a
  substitute, not held (free hours) (``report_substitutions``).
"""

from __future__ import annotations

from typing import Any

from onboarding.report_absences import absences
from onboarding.report_absences import absences_by_month
from onboarding.report_absences import at_risk
from onboarding.report_base import Report
from onboarding.report_base import ReportError
from onboarding.report_dropout import dropout_risk
from onboarding.report_grades import class_sheet
from onboarding.report_grades import completeness
from onboarding.report_grades import school_averages
from onboarding.report_grades import success
from onboarding.report_pg import pg_attendance_month
from onboarding.report_substitutions import lessons_held
from onboarding.report_substitutions import substitutions
from onboarding.report_topics import missing_topics
from onboarding.report_topics import topics

REPORTS: dict[str, tuple[str, Any, bool]] = {
    # key: (title, builder, class-level: a class teacher may see it for their class)
    "class-sheet": ("Сводна ведомост на клас", class_sheet, True),
    "absences": ("Отсъствия за месец", absences, True),
    "absences-months": ("Отсъствия по ученици и месеци", absences_by_month, True),
    "at-risk": ("Ученици в риск (АСП)", at_risk, True),
    "dropout-risk": ("Ученици в риск от отпадане", dropout_risk, True),
    "pg-attendance": ("Присъствие в ПГ за месец", pg_attendance_month, True),
    "success": ("Анализ на успеха", success, True),
    "school-averages": ("Среден успех по класове и предмети", school_averages, False),
    "completeness": ("Попълване на оценките", completeness, False),
    "topics": ("Теми на уроците по предмети", topics, True),
    "missing-topics": ("Проведени часове без тема", missing_topics, False),
    "substitutions": ("Заместване за месец", substitutions, False),
    "lessons-held": ("Проведени часове за месец", lessons_held, False),
}


def build(name: str, school_id: int, **params: Any) -> Report:
    if name not in REPORTS:
        raise ReportError(f"unknown report {name}", "Няма такава справка.")
    return REPORTS[name][1](school_id, **params)
