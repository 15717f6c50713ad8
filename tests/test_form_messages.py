"""Issue 14: WTForms' own messages reach people in Bulgarian, never in English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import wtforms
from flask import Flask
from flask.testing import FlaskClient
from wtforms import IntegerField
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange

import form_messages
from extensions import Form
from tests.conftest import form_post
from tests.conftest import login_staff
from tests.test_staff_diary import class_teacher_email
from tests.test_staff_diary import pupils

POT = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"


def wtforms_message_ids() -> tuple[set[str], set[tuple[str, str]]]:
    """Every message id of WTForms' own catalogue: singulars, and (singular, plural) pairs."""
    text = POT.read_text(encoding="utf-8")
    singles, plurals = set(), set()
    for block in text.split("\n\n"):
        msgid = re.search(r'^msgid "(.*)"$', block, re.M)
        plural = re.search(r'^msgid_plural "(.*)"$', block, re.M)
        if not msgid or not msgid.group(1):
            continue
        if plural:
            plurals.add((msgid.group(1), plural.group(1)))
        else:
            singles.add(msgid.group(1))
    return singles, plurals


def test_every_wtforms_message_has_a_bulgarian_text() -> None:
    singles, plurals = wtforms_message_ids()
    assert singles and plurals
    unescaped = {s.replace('\\"', '"') for s in singles}
    assert unescaped - set(form_messages.MESSAGES_BG) == set()
    assert plurals - set(form_messages.PLURALS_BG) == set()
    for text in [*form_messages.MESSAGES_BG.values()]:
        assert re.search("[а-я]", text), text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param({"text": "я" * 11}, "Полето може да е най-много 10 знака.", id="too-long"),
        pytest.param({"text": "я", "number": "x"}, "Въведете цяло число.", id="not-a-number"),
        pytest.param({"text": "я", "number": "200"}, "Числото трябва да е между 1 и 99.",
                     id="out-of-range"),
        pytest.param({"text": "я", "required": ""}, "Полето е задължително.", id="required"),
    ],
)  # fmt: skip
def test_a_form_answers_in_bulgarian(app: Flask, value: dict[str, str], expected: str) -> None:
    class Sample(Form):
        text = StringField(validators=[Length(max=10)])
        number = IntegerField(validators=[NumberRange(1, 99)], default=1)
        required = StringField(validators=[InputRequired()])

    with app.test_request_context(method="POST", data={"number": "1", "required": "да", **value}):
        form = Sample(meta={"csrf": False})
        assert not form.validate()
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        assert errors[0] == expected


def test_a_remark_over_its_limit_is_refused_in_bulgarian(demo_client: FlaskClient) -> None:
    class_id = 6
    sid = pupils(class_id)[0]
    login_staff(demo_client, class_teacher_email(class_id))
    data = {"kind": "remark", "date": "2026-11-25", "subject_id": "0", "text": "а" * 1001}
    r = form_post(demo_client, f"/staff/students/{sid}/remarks/new", data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Полето може да е най-много 1000 знака." in html
    assert "Field cannot be longer" not in html
