"""Import of the school lists: parse → validate → preview → one all-or-nothing commit.

Layers:

* :mod:`onboarding.tabular` reads a file into rows (pure), within the limits of
  :mod:`onboarding.limits`.
* One module per kind checks the rows and writes them: ``import_teachers``, ``import_classes``,
  ``import_subjects``, ``import_curriculum``, ``import_students`` (with the parents:
  ``import_guardians``), ``import_timetable`` and ``import_topic_plan`` (yearly topic plans).
  Each returns a plan — every bad row named
  (row, column, problem in Bulgarian), the new and changed records — built on
  :mod:`onboarding.import_plan`, and describes itself as an ``ImportKind`` (``KIND``).
* This module is the entry point: the registry of kinds, the parsed upload a view keeps beside
  the file (:data:`Parsed`, so that a preview shown again is not parsed again), the preview, and
  the commit that validates again and writes nothing when any row is bad.

Re-importing is idempotent: students are matched by (id type, ЕГН/ЛНЧ/ИДН) within the school,
classes by name in the current school year, teachers by e-mail, subjects by name. Students missing
from a new list are only *proposed* as leaving (:func:`leaver_candidates`); the admin confirms them
with ``import_students.confirm_leavers``. Nothing is deleted.

Public API::

    KINDS: dict[str, ImportKind]                 # students, classes, teachers, subjects, …
    preview(kind, school_id, filename, data) -> Plan
    commit(kind, school_id, filename, data, actor_id=None, invite=False, progress=None) -> dict
    leaver_candidates(school_id, filename, data) -> list[Leaver]
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa

from models import db
from onboarding import import_classes
from onboarding import import_curriculum
from onboarding import import_students
from onboarding import import_subjects
from onboarding import import_teachers
from onboarding import import_timetable
from onboarding import import_topic_plan
from onboarding.file_error import ImportFileError
from onboarding.import_plan import ImportKind
from onboarding.import_plan import Leaver
from onboarding.import_plan import Plan
from onboarding.import_plan import Progress
from onboarding.import_plan import file_error_plan
from onboarding.import_plan import import_audit
from onboarding.limits import Limits
from onboarding.tabular import RowError
from onboarding.tabular import Table
from onboarding.tabular import read_table

log = logging.getLogger("belezhnik.onboarding")

KINDS: dict[str, ImportKind] = {
    k.key: k
    for k in (
        import_teachers.KIND,
        import_classes.KIND,
        import_subjects.KIND,
        import_curriculum.KIND,
        import_students.KIND,
        import_timetable.KIND,
        import_topic_plan.KIND,
    )
}

COUNT_LABELS = {"new": "нови", "updated": "променени", "unchanged": "без промяна",
                "moved": "преместени", "parents_new": "нови родители",
                "links_new": "нови връзки родител–ученик",
                "invited": "поканени", "subjects_new": "нови предмети",
                "replaced": "заменени часове", "classes": "паралелки"}  # fmt: skip


def counts_text(counts: dict[str, int]) -> str:
    """ "нови 11, променени 0, …" for people (CLI, flash)."""
    return ", ".join(f"{COUNT_LABELS.get(k, k)} {v}" for k, v in counts.items())


def _read(kind: str, filename: str, data: bytes) -> Table:
    """Parse an upload within the configured limits (onboarding/limits.py)."""
    from flask import current_app

    limits = Limits.from_config(current_app.config)
    return read_table(filename, data, KINDS[kind].columns, limits)


# A parsed upload: its table, or the reason the whole file was refused (views keep it beside
# the upload, so that a preview shown again is not parsed again).
Parsed = Table | ImportFileError


def parse(kind: str, filename: str, data: bytes) -> Parsed:
    try:
        return _read(kind, filename, data)
    except ImportFileError as exc:
        return exc


def _table(kind: str, filename: str, data: bytes, parsed: Parsed | None) -> Table:
    parsed = parse(kind, filename, data) if parsed is None else parsed
    if isinstance(parsed, ImportFileError):
        raise parsed
    return parsed


def leaver_candidates(
    school_id: int, filename: str, data: bytes, parsed: Parsed | None = None
) -> list[Leaver]:
    """Students of the listed classes who are missing from the file (nothing changes)."""
    try:
        return import_students.validate_students(
            _table("students", filename, data, parsed),
            import_students.load_student_context(school_id),
        ).leavers
    except ImportFileError:
        return []


def preview(
    kind: str, school_id: int, filename: str, data: bytes, parsed: Parsed | None = None
) -> Plan:
    """Read (unless ``parsed`` is given) and validate a file; nothing is written."""
    spec = KINDS[kind]
    try:
        table = _table(kind, filename, data, parsed)
        plan = spec.validate(table, school_id)
    except ImportFileError as exc:
        return file_error_plan(kind, exc)
    # a formula cell is reported once, as a formula, not again as a bad value
    formula_cells = {(e.row, e.column) for e in table.cell_errors}
    if formula_cells:
        plan.errors = [
            e
            for e in plan.errors
            if e in table.cell_errors or (e.row, e.column) not in formula_cells
        ]
    return plan


def commit(
    kind: str,
    school_id: int,
    filename: str,
    data: bytes,
    actor_id: int | None = None,
    invite: bool = False,
    progress: Progress | None = None,
    parsed: Parsed | None = None,
) -> tuple[Plan, dict[str, int] | None]:
    """Validate again and, when the file has no errors, write it all in one transaction."""
    plan = preview(kind, school_id, filename, data, parsed)
    if not plan.ok:
        return plan, None
    spec = KINDS[kind]
    try:
        if kind == "students":  # audited inside its own transaction, with a progress bar
            counts = spec.commit(
                school_id, plan, actor_id=actor_id, invite=invite, progress=progress
            )
        else:
            counts = spec.commit(school_id, plan, invite=invite, actor_id=actor_id)
            reason = f"импорт: {spec.title.lower()}, {plan.rows} реда"
            db.session.add(import_audit(school_id, actor_id, f"{kind}_list"[:20], counts, reason))
            db.session.commit()
    except sa.exc.IntegrityError as exc:
        # another import (or an edit) wrote the same rows meanwhile: nothing of ours is saved
        db.session.rollback()
        log.warning("import of %s for school %s lost a race: %s", kind, school_id, exc.orig)
        plan.add(0, "", "Данните се промениха по време на записа (друг импорт?). Нищо не е "
                        "записано: заредете прегледа отново.")  # fmt: skip
        return plan, None
    except Exception:
        db.session.rollback()
        raise
    return plan, counts


def group_errors(errors: Sequence[RowError]) -> dict[int, list[RowError]]:
    grouped: dict[int, list[RowError]] = defaultdict(list)
    for error in errors:
        grouped[error.row].append(error)
    return dict(grouped)
