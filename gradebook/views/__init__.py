"""The pages of the staff web (blueprint ``staff``, ``/staff``), one module per topic, each
registering its routes on :data:`gradebook.staff_base.bp` (so every endpoint is ``staff.<view>``).

Views stay thin: read the request → call one use-case (``gradebook.grades``, ``gradebook.absences``,
…) → render. Every object is fetched with ``core.get_in_school`` (404 for other schools' rows) and
every right is checked by the use-case or by ``common.require_view_class``.

- :mod:`~gradebook.views.common`: template filters, the staff navigation, error pages, headers,
  the helpers of the views about one pupil;
- :mod:`~gradebook.views.session`: sign-in (throttled), sign-out, password, switching school;
- :mod:`~gradebook.views.operator`: the platform operator's schools (no pupil data);
- :mod:`~gradebook.views.home`: today's lessons, a class, the class teacher's overview;
- :mod:`~gradebook.views.grades`: the grade grid, term and annual grades, one grade's edit/delete;
- :mod:`~gradebook.views.absences`: a lesson's register, a class's absences, deleting one;
- :mod:`~gradebook.views.homework`: homework on the lesson page, its edit and deletion, the lists;
- :mod:`~gradebook.views.students`: a pupil's page, reopening their phone access;
- :mod:`~gradebook.views.remarks`, :mod:`~gradebook.views.health`: a pupil's remarks, health notes;
- :mod:`~gradebook.views.events`: events and parent meetings;
- :mod:`~gradebook.views.exams`: the tests schedule (контролни и класни работи);
- :mod:`~gradebook.views.history`: the audit history of an object or a pupil;
- :mod:`~gradebook.views.messages`: conversations with parents;
- :mod:`~gradebook.views.topics`: a lesson's topics (part of the lesson page), topic plans, the
  held lessons without a topic.
- :mod:`~gradebook.views.parent_notes`: parents' notes excusing absences (confirm, refuse).
- :mod:`~gradebook.views.class_book`: the class book printed to PDF, the director's signed copy
  uploaded back (which finalises and locks the book), its unlock.
- :mod:`~gradebook.views.year_results`: a ПГ group's daily attendance and results, first grade's
  overall result, the annual results of V–XII.

The school admin's pages (every route ``@admin_required``: ``admin_common.admin_route``),
sharing :mod:`~gradebook.views.admin_common` (``submit``, ``button``, ``edit_page``, the pickers'
lists, and the tables registering the pages that do the same — a view is found by its endpoint,
as ``def <endpoint>`` or as a table row naming ``"<endpoint>"``):

- :mod:`~gradebook.views.admin_people`: pupils, codes, guardians and PINs, family requests, labels;
- :mod:`~gradebook.views.admin_school`: the admin index, classes, subjects, curriculum, teachers;
- :mod:`~gradebook.views.admin_timetable`: year settings and locks, non-school days, bells, slots;
- :mod:`~gradebook.views.admin_school_year`: a new school year, the current year, the transition;
- :mod:`~gradebook.views.admin_settings`: the school's name and contacts, absence warnings, quiet
  hours and the digest, the days a parent may excuse;
- :mod:`~gradebook.views.staff_accounts`: staff accounts and invitations;
- :mod:`~gradebook.views.substitutions`: teacher absences and substitutions.
"""

from __future__ import annotations

from flask import Flask

from gradebook.staff_base import bp


def init_app(app: Flask) -> None:
    from gradebook.views import absences  # noqa: F401  (each module registers its routes on ``bp``)
    from gradebook.views import admin_people  # noqa: F401
    from gradebook.views import admin_school  # noqa: F401
    from gradebook.views import admin_school_year  # noqa: F401
    from gradebook.views import admin_settings  # noqa: F401  (the school's own settings)
    from gradebook.views import admin_timetable  # noqa: F401
    from gradebook.views import class_book  # noqa: F401  (the printed book, its signature)
    from gradebook.views import common  # noqa: F401
    from gradebook.views import events  # noqa: F401
    from gradebook.views import exams  # noqa: F401
    from gradebook.views import grades  # noqa: F401
    from gradebook.views import health  # noqa: F401
    from gradebook.views import history  # noqa: F401
    from gradebook.views import home  # noqa: F401
    from gradebook.views import homework  # noqa: F401
    from gradebook.views import messages  # noqa: F401
    from gradebook.views import operator  # noqa: F401
    from gradebook.views import outbound_calls  # noqa: F401  (issue 15: calls out)
    from gradebook.views import parent_notes  # noqa: F401
    from gradebook.views import pupil_record  # noqa: F401
    from gradebook.views import remarks  # noqa: F401
    from gradebook.views import session  # noqa: F401
    from gradebook.views import staff_accounts  # noqa: F401
    from gradebook.views import students  # noqa: F401
    from gradebook.views import substitutions  # noqa: F401
    from gradebook.views import topics  # noqa: F401
    from gradebook.views import year_results  # noqa: F401

    app.register_blueprint(bp)
