"""Bulgarian school rules for Belezhnik, as pure functions: one module per topic.

Every module here imports only the Python standard library and the other rule modules, and
touches no database, clock or network, so every rule can be tested with a table of cases.  The
spec is ``/work/shared/DOMAIN.md``; each function's docstring names the rule it encodes and where
the rule comes from.  Callers keep ``from gradebook import rules`` / ``rules.X``: this package
re-exports every public name.

Where each rule lives:

* ``errors`` — :class:`RuleError` (English ``str(e)`` for logs, Bulgarian ``message_bg`` for people).
* ``numbers`` — :func:`to_decimal` and half-up rounding (never ``float``, never ``round()``).
* ``scale`` — the six-point scale: grade words and thresholds, whole marks, averages, the
  official average (Наредба № 11/01.09.2016; NEISPUO ``GradeUtils.cs``).
* ``grade_checks`` — grade kinds (current, term, annual …) and the validation of a grade.
* ``qualitative`` — grades I–III as words (counted, never averaged) and the СОП marks.
* ``figures`` — forecasts, the figure of a subject for a term or the year, общ успех, the
  minimum number of current grades per term.
* ``absences`` — absence kinds and excuse reasons, a late counts ½, the monthly АСП threshold,
  school days, days excused by parents (Наредба за приобщаващото образование, чл. 62).
* ``homework`` — the default due date of homework (the row's next lesson on a school day), the
  checks of a due date, the parents' notice line.
* ``exams`` — the tests schedule: контролни and класни (``BookExamType`` 1, 2), at most one a
  day and two a week per class, no класна in a term's last week (Наредба № 11/2016).
* ``parent_notes`` — parents' notes: the lessons a note covers, the parent's days (15 a year, 5 in
  a row; Наредба за приобщаващото образование, чл. 62, ал. 1, т. 3 since March 2024).
* ``locks`` — entry locks: the future lock and the past-month lock.
* ``wording`` — formatting for Bulgarian readers: "5,25", "05.11.2026", month and weekday names,
  "Много добър 5,25".
* ``personal_ids`` — ЕГН, ЛНЧ, ИДН.
* ``student_code`` — the student's parent-access code (random digits + Verhoeff check digit).
* ``topics`` — lesson topics and yearly topic plans: a plan row's checks, the next planned
  topic, which lessons are held and lack a topic (NEISPUO ``ClassBookTopicPlanItem``).
* ``form_input`` — row ids and terms typed into forms and query strings.
* ``pupil_record`` — sanctions (ЗПУО чл. 199), support codes, which class books have them.
* ``dropout`` — at risk of dropping out (the Ministry's ``StudentsAtRiskOfDroppingOut``).
* ``academic_year`` — the national academic year (15 September to 14 September) a day belongs
  to and its bounds (the partitions of grades and absences).
* ``year_results`` — class-book types and their sections, ПГ daily attendance, first grade's
  overall result, annual results (completes, retake exams, repeats), with the Ministry's codes.
"""

from __future__ import annotations

from gradebook.rules.absences import ABSENCE_EXCUSED
from gradebook.rules.absences import ABSENCE_KINDS
from gradebook.rules.absences import ABSENCE_LATE
from gradebook.rules.absences import ABSENCE_UNEXCUSED
from gradebook.rules.absences import DEFAULT_MONTHLY_THRESHOLD
from gradebook.rules.absences import EXCUSE_FAMILY
from gradebook.rules.absences import EXCUSE_HEALTH
from gradebook.rules.absences import EXCUSE_OTHER
from gradebook.rules.absences import EXCUSE_REASONS
from gradebook.rules.absences import LATE_WEIGHT
from gradebook.rules.absences import PARENT_EXCUSE_MAX_IN_ROW
from gradebook.rules.absences import PARENT_EXCUSE_MAX_YEAR
from gradebook.rules.absences import AbsenceTotals
from gradebook.rules.absences import absence_totals
from gradebook.rules.absences import exceeds_monthly_threshold
from gradebook.rules.absences import is_school_day
from gradebook.rules.absences import parent_excused_days_ok
from gradebook.rules.absences import parent_excused_days_problem
from gradebook.rules.absences import weighted_unexcused
from gradebook.rules.academic_year import ACADEMIC_YEAR_STARTS
from gradebook.rules.academic_year import academic_year_bounds
from gradebook.rules.academic_year import academic_year_of
from gradebook.rules.academic_year import parse_academic_year
from gradebook.rules.dropout import MAX_UNEXCUSED_DAYS
from gradebook.rules.dropout import MAX_UNEXCUSED_HOURS
from gradebook.rules.dropout import DropoutRisk
from gradebook.rules.dropout import dropout_risk
from gradebook.rules.dropout import risk_from_counts
from gradebook.rules.dropout import unexcused_days
from gradebook.rules.dropout import unexcused_hours
from gradebook.rules.errors import RuleError
from gradebook.rules.exams import EXAM_CLASSWORK
from gradebook.rules.exams import EXAM_CODES
from gradebook.rules.exams import EXAM_CONTROL
from gradebook.rules.exams import EXAM_KIND_BG
from gradebook.rules.exams import EXAM_KINDS
from gradebook.rules.exams import GRADE_KIND_OF_EXAM
from gradebook.rules.exams import MAX_EXAMS_PER_DAY
from gradebook.rules.exams import MAX_EXAMS_PER_WEEK
from gradebook.rules.exams import PlannedExam
from gradebook.rules.exams import exam_problem
from gradebook.rules.exams import exam_title
from gradebook.rules.exams import last_week_of_term
from gradebook.rules.exams import plan_fits
from gradebook.rules.exams import week_start
from gradebook.rules.figures import Figure
from gradebook.rules.figures import forecast_whole
from gradebook.rules.figures import min_grades_per_term
from gradebook.rules.figures import missing_grades_warning
from gradebook.rules.figures import overall_success
from gradebook.rules.figures import term_figure
from gradebook.rules.figures import term_forecast
from gradebook.rules.figures import year_figure
from gradebook.rules.form_input import MAX_DB_ID
from gradebook.rules.form_input import db_id
from gradebook.rules.form_input import term_number
from gradebook.rules.grade_checks import CURRENT_KINDS
from gradebook.rules.grade_checks import FINAL_KINDS
from gradebook.rules.grade_checks import GRADE_KINDS
from gradebook.rules.grade_checks import KIND_ANNUAL
from gradebook.rules.grade_checks import KIND_TERM
from gradebook.rules.grade_checks import check_current_grade
from gradebook.rules.grade_checks import check_final_grade
from gradebook.rules.grade_checks import check_grade
from gradebook.rules.grade_checks import parse_current_grade
from gradebook.rules.homework import DUE_AFTER_YEAR
from gradebook.rules.homework import DUE_HORIZON_DAYS
from gradebook.rules.homework import DUE_NOT_AFTER
from gradebook.rules.homework import default_due_date
from gradebook.rules.homework import due_date_problem
from gradebook.rules.homework import homework_notice_line
from gradebook.rules.homework import next_school_day
from gradebook.rules.locks import LOCK_FUTURE
from gradebook.rules.locks import LOCK_MONTH
from gradebook.rules.locks import entry_locked
from gradebook.rules.numbers import NumberLike
from gradebook.rules.numbers import to_decimal
from gradebook.rules.parent_notes import NOTE_COMMENT_MAX
from gradebook.rules.parent_notes import NOTE_MAX_AHEAD_DAYS
from gradebook.rules.parent_notes import NOTE_MAX_SPAN_DAYS
from gradebook.rules.parent_notes import NoteLimits
from gradebook.rules.parent_notes import NoteVerdict
from gradebook.rules.parent_notes import counts_against_allowance
from gradebook.rules.parent_notes import covers
from gradebook.rules.parent_notes import days_left
from gradebook.rules.parent_notes import judge_note
from gradebook.rules.parent_notes import period_problem
from gradebook.rules.parent_notes import school_days_between
from gradebook.rules.personal_ids import ASP_ID_TYPE_CODES
from gradebook.rules.personal_ids import PERSONAL_ID_KINDS
from gradebook.rules.personal_ids import egn_info
from gradebook.rules.personal_ids import is_valid_egn
from gradebook.rules.personal_ids import is_valid_idn
from gradebook.rules.personal_ids import is_valid_lnch
from gradebook.rules.personal_ids import validate_personal_id
from gradebook.rules.pupil_record import SANCTION_KINDS
from gradebook.rules.pupil_record import SANCTION_LAW
from gradebook.rules.pupil_record import SANCTION_SHORT
from gradebook.rules.pupil_record import SANCTIONS_FROM_GRADE
from gradebook.rules.pupil_record import SUPPORT_ACTIVITIES
from gradebook.rules.pupil_record import SUPPORT_DIFFICULTIES
from gradebook.rules.pupil_record import has_notes
from gradebook.rules.pupil_record import has_sanctions
from gradebook.rules.pupil_record import has_support
from gradebook.rules.pupil_record import sanction_dates_problem
from gradebook.rules.pupil_record import sanction_in_force
from gradebook.rules.qualitative import QUALITATIVE_WORDS
from gradebook.rules.qualitative import SOP_COPES
from gradebook.rules.qualitative import SOP_DIFFICULTIES
from gradebook.rules.qualitative import SOP_MARKS
from gradebook.rules.qualitative import SOP_MEETS
from gradebook.rules.qualitative import qualitative_counts
from gradebook.rules.qualitative import qualitative_text
from gradebook.rules.qualitative import qualitative_word
from gradebook.rules.qualitative import sop_word
from gradebook.rules.scale import GRADE_WORDS
from gradebook.rules.scale import MAX_GRADE
from gradebook.rules.scale import MIN_GRADE
from gradebook.rules.scale import average
from gradebook.rules.scale import grade_word
from gradebook.rules.scale import official_average
from gradebook.rules.scale import whole_mark
from gradebook.rules.student_code import STUDENT_CODE_LENGTH
from gradebook.rules.student_code import is_valid_student_code
from gradebook.rules.student_code import new_student_code
from gradebook.rules.student_code import normalize_student_code
from gradebook.rules.student_code import verhoeff_check_digit
from gradebook.rules.student_code import verhoeff_is_valid
from gradebook.rules.topics import PLAN_NOTE_MAX
from gradebook.rules.topics import PLAN_NUMBER_MAX
from gradebook.rules.topics import TOPIC_TITLE_MAX
from gradebook.rules.topics import TOPICS_PER_LESSON_MAX
from gradebook.rules.topics import check_plan_row
from gradebook.rules.topics import held_days
from gradebook.rules.topics import lesson_has_ended
from gradebook.rules.topics import lessons_without_topic
from gradebook.rules.topics import next_plan_topic
from gradebook.rules.topics import plan_note
from gradebook.rules.topics import plan_number
from gradebook.rules.topics import topic_title
from gradebook.rules.wording import MONTHS_BG
from gradebook.rules.wording import WEEKDAYS_BG
from gradebook.rules.wording import after_preposition
from gradebook.rules.wording import format_date_bg
from gradebook.rules.wording import format_datetime_bg
from gradebook.rules.wording import format_decimal_bg
from gradebook.rules.wording import grade_text
from gradebook.rules.wording import month_year_bg
from gradebook.rules.year_results import ATTENDANCE_CODES
from gradebook.rules.year_results import ATTENDANCE_NAMES
from gradebook.rules.year_results import ATTENDANCE_SHORT
from gradebook.rules.year_results import BOOK_TYPE_NAMES
from gradebook.rules.year_results import GRADE_RESULTS
from gradebook.rules.year_results import GRADE_RESULTS_LONG
from gradebook.rules.year_results import PG_RESULT_MAX
from gradebook.rules.year_results import QUALITATIVE_GRADES
from gradebook.rules.year_results import RESULT_COMPLETES
from gradebook.rules.year_results import RESULT_REPEATS
from gradebook.rules.year_results import RESULT_RETAKE
from gradebook.rules.year_results import SECTION_ABSENCES
from gradebook.rules.year_results import SPECIAL_NEEDS_MARKS
from gradebook.rules.year_results import AttendanceCounts
from gradebook.rules.year_results import ResultSuggestion
from gradebook.rules.year_results import Session
from gradebook.rules.year_results import attendance_counts
from gradebook.rules.year_results import attendance_problem
from gradebook.rules.year_results import class_book_sections
from gradebook.rules.year_results import class_book_type
from gradebook.rules.year_results import first_grade_class_name
from gradebook.rules.year_results import first_grade_problem
from gradebook.rules.year_results import grade_result_problem
from gradebook.rules.year_results import has_section
from gradebook.rules.year_results import sessions_problem
from gradebook.rules.year_results import suggest_final
from gradebook.rules.year_results import suggest_result

__all__ = [
    # academic_year
    "ACADEMIC_YEAR_STARTS",
    "academic_year_bounds",
    "academic_year_of",
    "parse_academic_year",
    # errors
    "RuleError",
    # numbers
    "NumberLike",
    "to_decimal",
    # scale
    "MIN_GRADE",
    "MAX_GRADE",
    "GRADE_WORDS",
    "grade_word",
    "whole_mark",
    "average",
    "official_average",
    # grade_checks
    "KIND_TERM",
    "KIND_ANNUAL",
    "GRADE_KINDS",
    "CURRENT_KINDS",
    "FINAL_KINDS",
    "check_current_grade",
    "parse_current_grade",
    "check_final_grade",
    "check_grade",
    # qualitative
    "QUALITATIVE_WORDS",
    "SOP_DIFFICULTIES",
    "SOP_COPES",
    "SOP_MEETS",
    "SOP_MARKS",
    "qualitative_word",
    "sop_word",
    "qualitative_counts",
    "qualitative_text",
    # figures
    "term_forecast",
    "forecast_whole",
    "Figure",
    "term_figure",
    "year_figure",
    "overall_success",
    "min_grades_per_term",
    "missing_grades_warning",
    # absences
    "ABSENCE_EXCUSED",
    "ABSENCE_UNEXCUSED",
    "ABSENCE_LATE",
    "ABSENCE_KINDS",
    "EXCUSE_HEALTH",
    "EXCUSE_FAMILY",
    "EXCUSE_OTHER",
    "EXCUSE_REASONS",
    "LATE_WEIGHT",
    "DEFAULT_MONTHLY_THRESHOLD",
    "PARENT_EXCUSE_MAX_YEAR",
    "PARENT_EXCUSE_MAX_IN_ROW",
    "AbsenceTotals",
    "weighted_unexcused",
    "absence_totals",
    "exceeds_monthly_threshold",
    "is_school_day",
    "parent_excused_days_problem",
    "parent_excused_days_ok",
    # exams
    "EXAM_CONTROL",
    "EXAM_CLASSWORK",
    "EXAM_KINDS",
    "EXAM_CODES",
    "EXAM_KIND_BG",
    "GRADE_KIND_OF_EXAM",
    "MAX_EXAMS_PER_DAY",
    "MAX_EXAMS_PER_WEEK",
    "PlannedExam",
    "exam_problem",
    "exam_title",
    "last_week_of_term",
    "plan_fits",
    "week_start",
    # locks
    "LOCK_FUTURE",
    "LOCK_MONTH",
    "entry_locked",
    # wording
    "after_preposition",
    "format_decimal_bg",
    "format_date_bg",
    "format_datetime_bg",
    "MONTHS_BG",
    "WEEKDAYS_BG",
    "month_year_bg",
    "grade_text",
    # personal_ids
    "PERSONAL_ID_KINDS",
    "ASP_ID_TYPE_CODES",
    "egn_info",
    "is_valid_egn",
    "is_valid_lnch",
    "is_valid_idn",
    "validate_personal_id",
    # student_code
    "STUDENT_CODE_LENGTH",
    "verhoeff_check_digit",
    "verhoeff_is_valid",
    "new_student_code",
    "is_valid_student_code",
    "normalize_student_code",
    # topics
    "PLAN_NOTE_MAX",
    "PLAN_NUMBER_MAX",
    "TOPICS_PER_LESSON_MAX",
    "TOPIC_TITLE_MAX",
    "check_plan_row",
    "held_days",
    "lesson_has_ended",
    "lessons_without_topic",
    "next_plan_topic",
    "plan_note",
    "plan_number",
    "topic_title",
    # parent_notes
    "NOTE_COMMENT_MAX",
    "NOTE_MAX_AHEAD_DAYS",
    "NOTE_MAX_SPAN_DAYS",
    "NoteLimits",
    "NoteVerdict",
    "counts_against_allowance",
    "covers",
    "days_left",
    "judge_note",
    "period_problem",
    "school_days_between",
    # form_input
    "MAX_DB_ID",
    "db_id",
    "term_number",
    # homework
    "DUE_AFTER_YEAR",
    "DUE_HORIZON_DAYS",
    "DUE_NOT_AFTER",
    "default_due_date",
    "due_date_problem",
    "homework_notice_line",
    "next_school_day",
    "MAX_UNEXCUSED_DAYS",
    "MAX_UNEXCUSED_HOURS",
    "DropoutRisk",
    "dropout_risk",
    "risk_from_counts",
    "unexcused_days",
    "unexcused_hours",
    "SANCTION_KINDS",
    "SANCTION_LAW",
    "SANCTION_SHORT",
    "SANCTIONS_FROM_GRADE",
    "SUPPORT_ACTIVITIES",
    "SUPPORT_DIFFICULTIES",
    "has_notes",
    "has_sanctions",
    "has_support",
    "sanction_dates_problem",
    "sanction_in_force",
    "ATTENDANCE_CODES",
    "first_grade_class_name",
    "ATTENDANCE_NAMES",
    "ATTENDANCE_SHORT",
    "BOOK_TYPE_NAMES",
    "GRADE_RESULTS",
    "GRADE_RESULTS_LONG",
    "PG_RESULT_MAX",
    "SECTION_ABSENCES",
    "QUALITATIVE_GRADES",
    "RESULT_COMPLETES",
    "RESULT_REPEATS",
    "RESULT_RETAKE",
    "SPECIAL_NEEDS_MARKS",
    "AttendanceCounts",
    "ResultSuggestion",
    "Session",
    "attendance_counts",
    "attendance_problem",
    "class_book_sections",
    "class_book_type",
    "first_grade_problem",
    "grade_result_problem",
    "has_section",
    "sessions_problem",
    "suggest_final",
    "suggest_result",
]
