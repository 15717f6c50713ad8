"""``staff_base.form_values``: a form's fields as a use-case's keyword arguments, the way the views
wrote them out one by one before (``x=form.x.data``, ``x=form.x.data or ""``)."""

from __future__ import annotations

from types import SimpleNamespace

from gradebook.staff_base import form_values


def _form(**data: object) -> SimpleNamespace:
    return SimpleNamespace(**{name: SimpleNamespace(data=value) for name, value in data.items()})


def test_named_fields_are_passed_as_they_are() -> None:
    form = _form(grade_level=0, shift=None, starts_on="2026-09-15")
    assert form_values(form, "grade_level", "shift", "starts_on") == {
        "grade_level": 0,
        "shift": None,
        "starts_on": "2026-09-15",
    }


def test_an_empty_field_takes_its_value_for_empty() -> None:
    form = _form(name=None, teacher_id=0, section="", sop=False, role="admin")
    assert form_values(form, name="", teacher_id=None, section="A", sop=False, role="teacher") == {
        "name": "",
        "teacher_id": None,
        "section": "A",
        "sop": False,
        "role": "admin",
    }


def test_only_the_named_fields() -> None:
    form = _form(name="5А", csrf_token="x")
    assert form_values(form, name="") == {"name": "5А"}
