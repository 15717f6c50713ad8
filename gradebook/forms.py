"""Flask-WTF forms of the staff web (CSRF on every one). Bulgarian labels and messages.

Field checks here are only about shape (required, length); the school rules are checked in
the staff use-cases and their messages are attached to the same fields by the views.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import BooleanField
from wtforms import DateField
from wtforms import EmailField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import Optional

from extensions import Form
from gradebook import rules

REQUIRED = "Задължително поле."


def opts(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice list WTForms wants."""
    return [SelectChoice(value, label) for value, label in pairs]


class CsrfForm(Form):
    """Only the CSRF token: forms whose fields are built by hand (grid, register, buttons)."""


class LoginForm(Form):
    email = EmailField("Имейл", validators=[DataRequired(REQUIRED), Length(max=200)])
    password = PasswordField("Парола", validators=[DataRequired(REQUIRED), Length(max=200)])


def _new_password(label: str) -> PasswordField:
    """A new password (at least 10 characters) with the given label."""
    return PasswordField(
        label, validators=[DataRequired(REQUIRED), Length(min=10, message="Поне 10 знака.")]
    )


def _password_again() -> PasswordField:
    """The new password typed a second time: it must equal the ``password`` field."""
    return PasswordField(
        "Повторете паролата",
        validators=[DataRequired(REQUIRED), EqualTo("password", message="Паролите се различават.")],
    )


class PasswordForm(Form):
    password = _new_password("Нова парола")
    confirm = _password_again()


class SignedBookForm(Form):
    """The class book's PDF signed by the director (``gradebook.book_seal``)."""

    file = FileField("Подписан PDF на дневника", [FileRequired("Изберете подписания PDF файл.")])


class UnlockBookForm(Form):
    reason = StringField(
        "Причина за отключването", validators=[DataRequired("Посочете причина."), Length(max=500)]
    )


# how a staff member or the school's duty contact is told at once (models.AlertChannel)
ALERT_CHANNELS = {"both": "SMS и имейл", "sms": "Само SMS", "email": "Само имейл"}


class ProfileForm(Form):
    """A staff member's own profile: the mobile number and how urgent news reaches them."""

    phone = StringField("Мобилен телефон (за SMS)", validators=[Optional(), Length(max=30)])
    alert_channel = SelectField(
        "Как да научавате веднага, че родител не знае за отсъствие на дете от класа ви",
        choices=opts(ALERT_CHANNELS.items()),
        default="both",
    )


class ReasonForm(Form):
    reason = StringField(
        "Причина за промяната", validators=[DataRequired("Посочете причина."), Length(max=500)]
    )
    version = HiddenField()
    override_lock = BooleanField("Разреши промяна в заключен месец (администратор)")


class GradeEditForm(ReasonForm):
    value = StringField("Оценка", validators=[DataRequired("Въведете оценка.")])
    kind = SelectField(
        "Вид", choices=opts([(k, rules.GRADE_KINDS[k].capitalize()) for k in rules.CURRENT_KINDS])
    )
    date = DateField("Дата", validators=[DataRequired("Въведете дата.")])
    comment = StringField("Коментар", validators=[Optional(), Length(max=500)])


REMARK_KINDS = [("remark", "Забележка"), ("praise", "Похвала")]


class RemarkForm(Form):
    kind = SelectField("Вид", choices=opts(REMARK_KINDS))
    date = DateField("Дата", validators=[DataRequired("Въведете дата.")])
    subject_id = SelectField("Предмет", coerce=int, choices=opts([(0, "—")]))
    text = TextAreaField("Текст", validators=[DataRequired("Въведете текст."), Length(max=1000)])
    version = HiddenField()
    reason = StringField("Причина за промяната (при редакция)", validators=[Length(max=500)])


class HealthForm(Form):
    date_from = DateField("От дата", validators=[DataRequired("Въведете дата.")])
    date_to = DateField("До дата (ако има)", validators=[Optional()])
    text = TextAreaField(
        "Бележка (без диагноза)",
        validators=[DataRequired("Въведете текст."), Length(max=1000)],
    )
    version = HiddenField()
    reason = StringField("Причина за промяната (при редакция)", validators=[Length(max=500)])


# the kinds a new event may have; tests and class works are planned in the tests schedule
# (``ExamForm``), and the labels of the old kinds stay for the events written before it
EVENT_KINDS = [
    ("school_event", "Училищно събитие"),
    ("excursion", "Екскурзия"),
    ("holiday", "Празник"),
    ("other", "Друго"),
]
EVENT_KIND_LABELS = [
    ("test", "Тест / контролна работа"),
    ("classwork", "Класна работа"),
    *EVENT_KINDS,
]


class EventForm(Form):
    kind = SelectField("Вид", choices=opts(EVENT_KINDS))
    title = StringField(
        "Заглавие", validators=[DataRequired("Въведете заглавие."), Length(max=200)]
    )
    class_id = SelectField("Клас", coerce=int, choices=opts([(0, "Цялото училище")]))
    subject_id = SelectField("Предмет", coerce=int, choices=opts([(0, "—")]))
    date = DateField("Дата", validators=[DataRequired("Въведете дата.")])
    time = TimeField("Час", validators=[Optional()])
    description = TextAreaField("Описание", validators=[Optional(), Length(max=2000)])


class ExamForm(Form):
    curriculum_id = SelectField("Клас и предмет", coerce=int, choices=opts([(0, "—")]))
    kind = SelectField(
        "Вид", choices=opts([(k, rules.EXAM_KIND_BG[k].capitalize()) for k in rules.EXAM_KINDS])
    )
    date = DateField("Дата", validators=[DataRequired("Въведете дата.")])
    period = StringField("Час от разписанието (по желание)", validators=[Length(max=2)])
    description = TextAreaField("Кратко описание", validators=[Optional(), Length(max=1000)])
    version = HiddenField()
    reason = StringField("Причина за промяната (при редакция)", validators=[Length(max=500)])


class MeetingForm(Form):
    class_id = SelectField("Клас", coerce=int, choices=opts([(0, "Цялото училище")]))
    date = DateField("Дата", validators=[DataRequired("Въведете дата.")])
    time = TimeField("Час", validators=[DataRequired("Въведете час.")])
    place = StringField("Място", validators=[Optional(), Length(max=200)])
    topic = TextAreaField("Тема", validators=[Optional(), Length(max=1000)])


class ReplyForm(Form):
    body = TextAreaField(
        "Отговор", validators=[DataRequired("Напишете отговор."), Length(max=4000)]
    )


class StudentForm(Form):
    first_name = StringField("Име", validators=[DataRequired(REQUIRED), Length(max=100)])
    middle_name = StringField("Презиме", validators=[Optional(), Length(max=100)])
    last_name = StringField("Фамилия", validators=[DataRequired(REQUIRED), Length(max=100)])
    personal_id_type = SelectField(
        "Вид идентификатор", choices=opts([(k, v) for k, v in rules.PERSONAL_ID_KINDS.items()])
    )
    personal_id = StringField("ЕГН / ЛНЧ / ИДН", validators=[Optional(), Length(max=20)])
    class_id = SelectField("Клас", coerce=int, choices=opts([(0, "—")]))
    class_number = IntegerField("№ в клас (празно = следващ)", validators=[Optional()])
    sop = BooleanField("Специални образователни потребности (СОП)")


class MoveForm(Form):
    class_id = SelectField("Нов клас", coerce=int, choices=opts([]))
    date = DateField("От дата", validators=[DataRequired("Въведете дата.")])
    reason = StringField("Причина", validators=[Optional(), Length(max=200)])


class LeaveForm(Form):
    date = DateField("Дата на отписване", validators=[DataRequired("Въведете дата.")])
    reason = StringField("Причина", validators=[DataRequired("Посочете причина."), Length(max=200)])


class YearSettingsForm(Form):
    month_lock_day = IntegerField(
        "Заключване на предходния месец след ден (1–28, празно = без)", validators=[Optional()]
    )
    future_entry_lock = BooleanField("Забрана за въвеждане с бъдеща дата")
    starts_on = DateField("Начало на учебната година", validators=[Optional()])
    term2_starts_on = DateField("Начало на II срок", validators=[Optional()])
    ends_on = DateField("Край на учебната година", validators=[Optional()])


class SchoolSettingsForm(Form):
    """The school's own settings: ``gradebook.school_settings`` checks the values and names each
    wrong field (lengths included), so the form checks only the shape of numbers and times."""

    name = StringField("Име на училището")
    town = StringField("Населено място")
    address = StringField("Адрес")
    email = EmailField("Имейл на училището", validators=[Optional()])
    absence_threshold = StringField(
        "Предупреждение до родителите над (неизвинени часа в месеца, закъснение = ½)",
        validators=[DataRequired(REQUIRED)],
    )
    pg_absence_threshold_days = IntegerField(
        "Предупреждение за ПГ над (неизвинени дни в месеца)", validators=[Optional()]
    )
    quiet_start = TimeField("Тихи часове от", validators=[Optional()])
    quiet_end = TimeField("Тихи часове до", validators=[Optional()])
    digest_time = TimeField("Час на дневното обобщение", validators=[Optional()])
    parent_excuse_days_year = IntegerField(
        "Дни, които родител може да извини за годината (до 15)", validators=[Optional()]
    )
    parent_excuse_days_in_row = IntegerField("От тях поредни дни (до 5)", validators=[Optional()])


class TeacherSelectForm(Form):
    teacher_id = SelectField("Учител", coerce=int, choices=opts([(0, "—")]))


WEEKDAYS = [(1, "понеделник"), (2, "вторник"), (3, "сряда"), (4, "четвъртък"), (5, "петък")]


class ClassForm(Form):
    name = StringField("Паралелка (напр. 8е)", validators=[DataRequired(REQUIRED), Length(max=20)])
    grade_level = IntegerField("Клас (0 = ПГ, 1–12)", validators=[Optional()])
    shift = SelectField("Смяна", coerce=int, choices=opts([(1, "първа"), (2, "втора")]))
    class_teacher_id = SelectField("Класен ръководител", coerce=int, choices=opts([(0, "—")]))


class SubjectForm(Form):
    name = StringField("Предмет", validators=[DataRequired(REQUIRED), Length(max=100)])
    short_name = StringField("Съкращение", validators=[Optional(), Length(max=20)])


SECTIONS = [("A", "А — задължителни"), ("B", "Б — избираеми"), ("V", "В — факултативни")]


class CurriculumForm(Form):
    subject_id = SelectField("Предмет", coerce=int, choices=opts([(0, "—")]))
    teacher_id = SelectField("Учител", coerce=int, choices=opts([(0, "—")]))
    hours_term1 = StringField("Часове седмично, I срок", default="2")
    hours_term2 = StringField("Часове седмично, II срок", default="2")
    section = SelectField("Раздел", choices=opts(SECTIONS))
    group_name = StringField("Група (при разделяне)", validators=[Optional(), Length(max=40)])


class SlotForm(Form):
    curriculum_id = SelectField("Предмет", coerce=int, choices=opts([(0, "—")]))
    weekday = SelectField("Ден", coerce=int, choices=opts(WEEKDAYS))
    period = IntegerField("Час №", validators=[Optional()])
    term = SelectField("Срок", coerce=int, choices=opts([(0, "и двата"), (1, "I"), (2, "II")]))
    room = StringField("Стая", validators=[Optional(), Length(max=20)])


class BellForm(Form):
    shift = SelectField("Смяна", coerce=int, choices=opts([(1, "първа"), (2, "втора")]))
    period = IntegerField("Час №", validators=[Optional()])
    starts_at = StringField("Начало (чч:мм)", validators=[DataRequired(REQUIRED)])
    ends_at = StringField("Край (чч:мм)", validators=[DataRequired(REQUIRED)])


class HolidayForm(Form):
    name = StringField("Наименование", validators=[DataRequired(REQUIRED), Length(max=200)])
    date_from = DateField("От", validators=[DataRequired("Въведете дата.")])
    date_to = DateField("До (включително)", validators=[Optional()])
    grade_from = IntegerField("За класове от", default=0, validators=[Optional()])
    grade_to = IntegerField("до", default=12, validators=[Optional()])


class StaffForm(Form):
    full_name = StringField("Име и фамилия", validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField("Имейл", validators=[DataRequired(REQUIRED), Length(max=200)])
    role = SelectField(
        "Роля", choices=opts([("teacher", "учител"), ("admin", "администратор (директор, ЗДУД)")])
    )
    position = StringField("Длъжност", validators=[Optional(), Length(max=100)])


class InvitationPasswordForm(Form):
    """Accepting an invitation to an account never used: its first password."""

    password = _new_password("Парола за входа (поне 10 знака)")
    confirm = _password_again()


class LinkGuardianForm(Form):
    contact = StringField(
        "Имейл или телефон на родителя", validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    relation = SelectField(
        "Връзка",
        choices=opts(
            [("mother", "майка"), ("father", "баща"), ("guardian", "настойник"), ("other", "друго")]
        ),
    )


class NewThreadForm(Form):
    guardian_id = SelectField("До родител", coerce=int, choices=opts([(0, "—")]))
    subject = StringField("Тема", validators=[DataRequired(REQUIRED), Length(max=200)])
    body = TextAreaField(
        "Съобщение", validators=[DataRequired("Напишете съобщение."), Length(max=4000)]
    )


class SubjectEditForm(SubjectForm):
    spoken_name = StringField(
        "Както се изговаря по телефона (ако е различно)", validators=[Optional(), Length(max=100)]
    )


class CurriculumEditForm(Form):
    teacher_id = SelectField("Учител", coerce=int, choices=opts([(0, "—")]))
    hours_term1 = StringField("Часове седмично, I срок")
    hours_term2 = StringField("Часове седмично, II срок")
    section = SelectField("Раздел", choices=opts(SECTIONS))
    group_name = StringField("Група (при разделяне)", validators=[Optional(), Length(max=40)])


class NewYearForm(Form):
    name = StringField(
        "Учебна година (напр. 2026/2027)", validators=[DataRequired(REQUIRED), Length(max=9)]
    )
    starts_on = DateField("Начало", validators=[DataRequired("Въведете дата.")])
    term2_starts_on = DateField("Начало на II срок", validators=[DataRequired("Въведете дата.")])
    ends_on = DateField("Край", validators=[DataRequired("Въведете дата.")])
    month_lock_day = IntegerField(
        "Заключване на изминал месец след ден (празно = без)", validators=[Optional()]
    )
    future_entry_lock = BooleanField("Забрана за въвеждане с бъдеща дата", default=True)
    copy_classes = BooleanField("Създай паралелките с една степен нагоре (8е → 9е)")
    make_current = BooleanField("Направи я текуща учебна година")
