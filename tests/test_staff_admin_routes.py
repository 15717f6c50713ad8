"""The admin pages and the staff accounts keep their endpoints, URLs and methods wherever their
views live (templates' ``url_for`` and the tests name them): the map from before the views were
split by topic into ``gradebook/views/``."""

from __future__ import annotations

import pytest

ADMIN_ROUTES = [
    ("staff.admin_index", "/staff/admin/", {"GET"}),
    ("staff.admin_class_new", "/staff/admin/classes", {"POST"}),
    ("staff.admin_subject_new", "/staff/admin/subjects", {"POST"}),
    ("staff.admin_year", "/staff/admin/year", {"GET", "POST"}),
    ("staff.admin_settings", "/staff/admin/settings", {"GET", "POST"}),
    ("staff.admin_holiday_new", "/staff/admin/holidays", {"POST"}),
    ("staff.admin_holiday_delete", "/staff/admin/holidays/<int:day_id>/delete", {"POST"}),
    ("staff.admin_bell", "/staff/admin/bells", {"POST"}),
    ("staff.admin_class", "/staff/admin/classes/<int:class_id>", {"GET"}),
    ("staff.admin_curriculum_new", "/staff/admin/classes/<int:class_id>/curriculum", {"POST"}),
    ("staff.admin_slot_new", "/staff/admin/classes/<int:class_id>/timetable", {"POST"}),
    ("staff.admin_slot_delete", "/staff/admin/timetable/<int:slot_id>/delete", {"POST"}),
    ("staff.admin_class_teacher", "/staff/admin/classes/<int:class_id>/teacher", {"POST"}),
    (
        "staff.admin_curriculum_teacher",
        "/staff/admin/curriculum/<int:curriculum_id>/teacher",
        {"POST"},
    ),
    ("staff.admin_student_new", "/staff/admin/students/new", {"GET", "POST"}),
    ("staff.admin_student", "/staff/admin/students/<int:student_id>", {"GET", "POST"}),
    ("staff.admin_student_move", "/staff/admin/students/<int:student_id>/move", {"POST"}),
    ("staff.admin_student_leave", "/staff/admin/students/<int:student_id>/leave", {"POST"}),
    ("staff.admin_student_code", "/staff/admin/students/<int:student_id>/code", {"POST"}),
    ("staff.admin_guardian_pin", "/staff/admin/guardians/<int:guardian_id>/pin", {"POST"}),
    ("staff.admin_guardian_link", "/staff/admin/students/<int:student_id>/guardians", {"POST"}),
    ("staff.admin_guardian_unlink", "/staff/admin/guardian-links/<int:link_id>/delete", {"POST"}),
    ("staff.admin_families", "/staff/admin/families", {"GET"}),
    ("staff.admin_family_approve", "/staff/admin/families/<int:request_id>/approve", {"POST"}),
    ("staff.admin_family_refuse", "/staff/admin/families/<int:request_id>/refuse", {"POST"}),
    ("staff.admin_labels", "/staff/admin/classes/<int:class_id>/labels", {"GET"}),
    ("staff.admin_class_edit", "/staff/admin/classes/<int:class_id>/edit", {"GET", "POST"}),
    ("staff.admin_class_delete", "/staff/admin/classes/<int:class_id>/delete", {"POST"}),
    ("staff.admin_subject", "/staff/admin/subjects/<int:subject_id>", {"GET", "POST"}),
    ("staff.admin_subject_delete", "/staff/admin/subjects/<int:subject_id>/delete", {"POST"}),
    ("staff.admin_curriculum", "/staff/admin/curriculum/<int:curriculum_id>", {"GET", "POST"}),
    (
        "staff.admin_curriculum_delete",
        "/staff/admin/curriculum/<int:curriculum_id>/delete",
        {"POST"},
    ),
    ("staff.admin_year_new", "/staff/admin/years", {"POST"}),
    ("staff.admin_year_current", "/staff/admin/years/<int:year_id>/current", {"POST"}),
    ("staff.admin_year_transition", "/staff/admin/years/<int:year_id>/transition", {"GET", "POST"}),
    ("staff.admin_staff", "/staff/admin/staff", {"GET"}),
    ("staff.admin_staff_new", "/staff/admin/staff", {"POST"}),
    ("staff.admin_staff_password", "/staff/admin/staff/<int:staff_id>/password", {"POST"}),
    ("staff.admin_staff_remove", "/staff/admin/staff/<int:staff_id>/remove", {"POST"}),
    (
        "staff.admin_invitation_revoke",
        "/staff/admin/invitations/<int:invitation_id>/revoke",
        {"POST"},
    ),
    ("staff.invitation", "/staff/invitations/<token>", {"GET", "POST"}),
    ("staff.invitation_decline", "/staff/invitations/<token>/decline", {"POST"}),
]


@pytest.mark.parametrize(
    ("endpoint", "rule", "methods"), ADMIN_ROUTES, ids=[r[0] for r in ADMIN_ROUTES]
)
def test_an_admin_route_keeps_its_endpoint_url_and_methods(app, endpoint, rule, methods):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    assert [r.rule for r in rules] == [rule]
    assert methods <= rules[0].methods
    assert rules[0].methods - methods <= {"HEAD", "OPTIONS"}


def test_every_admin_endpoint_is_listed(app):
    """A new admin page joins the list above (and so its URL is fixed from then on)."""
    listed = {endpoint for endpoint, _rule, _methods in ADMIN_ROUTES}
    admin = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith(("staff.admin_", "staff.invitation"))
    }
    assert admin == listed
