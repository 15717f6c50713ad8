"""The forms of the pupil's record (sanctions, support, individual work, class notes): CSRF on
every one, Bulgarian labels. Only shape is checked here; the rules are in the use-cases."""

from __future__ import annotations

from wtforms import BooleanField
from wtforms import DateField
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from extensions import Form
from gradebook import rules
from gradebook.forms import opts

SANCTION_CHOICES = opts(
    [("", "— изберете —")]
    + [
        (str(code), f"{name} ({rules.SANCTION_LAW[code]})")
        for code, name in rules.SANCTION_KINDS.items()
    ]
)
DIFFICULTY_CHOICES = opts((str(c), n) for c, n in rules.SUPPORT_DIFFICULTIES.items())
ACTIVITY_CHOICES = opts(
    [("", "— изберете —")] + [(str(c), n) for c, n in rules.SUPPORT_ACTIVITIES.items()]
)
REASON_LABEL = "Причина за промяната (при редакция)"


class SanctionForm(Form):
    kind = SelectField("Вид санкция", choices=SANCTION_CHOICES, validators=[Optional()])
    order_number = StringField("Номер на заповедта", validators=[Length(max=100)])
    order_date = DateField("Дата на заповедта", validators=[Optional()])
    start_date = DateField("Начална дата", validators=[Optional()])
    end_date = DateField("Крайна дата (ако има)", validators=[Optional()])
    description = TextAreaField("Описание (по желание)", validators=[Length(max=1000)])
    version = HiddenField()
    reason = StringField(REASON_LABEL, validators=[Length(max=500)])
    override_lock = BooleanField("Разреши промяна в заключен месец (администратор)")


class SanctionCancelForm(Form):
    cancel_order_number = StringField("Номер на заповедта за отмяна", validators=[Length(max=100)])
    cancel_order_date = DateField("Дата на заповедта за отмяна", validators=[Optional()])
    cancel_reason = TextAreaField("Основание (по желание)", validators=[Length(max=1000)])
    version = HiddenField()
    override_lock = BooleanField("Разреши промяна в заключен месец (администратор)")


class SupportForm(Form):
    additional = BooleanField("Допълнителна подкрепа (иначе обща)")
    difficulties = SelectMultipleField("Затруднения", choices=DIFFICULTY_CHOICES)
    team = SelectMultipleField("Екип за подкрепа", choices=[])
    start_date = DateField("Начална дата", validators=[Optional()])
    end_date = DateField("Крайна дата", validators=[Optional()])
    description = TextAreaField("Описание", validators=[Length(max=4000)])
    expected_result = TextAreaField("Очакван резултат", validators=[Length(max=4000)])
    version = HiddenField()
    reason = StringField(REASON_LABEL, validators=[Length(max=500)])


class ActivityForm(Form):
    activity_type = SelectField("Дейност", choices=ACTIVITY_CHOICES, validators=[Optional()])
    date = DateField("Дата (по желание)", validators=[Optional()])
    target = TextAreaField("Цел", validators=[Length(max=2000)])
    result = TextAreaField("Резултат", validators=[Length(max=2000)])


class IndividualWorkForm(Form):
    date = DateField("Дата", validators=[DataRequired("Въведете дата.")])
    activity = TextAreaField(
        "Дейност", validators=[DataRequired("Въведете текст."), Length(max=2000)]
    )
    version = HiddenField()
    reason = StringField(REASON_LABEL, validators=[Length(max=500)])


class ClassNoteForm(Form):
    date = DateField("Дата", validators=[DataRequired("Въведете дата.")])
    student_id = SelectField("За ученик (по желание)", choices=[], validators=[Optional()])
    text = TextAreaField("Бележка", validators=[DataRequired("Въведете текст."), Length(max=2000)])
    version = HiddenField()
    reason = StringField(REASON_LABEL, validators=[Length(max=500)])
