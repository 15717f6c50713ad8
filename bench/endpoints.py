"""The benchmarks' bare endpoints, the yardsticks a real endpoint is measured beside in the same
run: ``/bench/static-twiml`` (static TwiML, no work at all) and ``/bench/grades`` (the grade rows
of a column inserted in one statement: no session, no checks, no audit, outbox or summary).

They exist only where :func:`register` is called with ``enabled`` true: ``bench/ivr_wsgi.py``
passes the bench setting ``BELEZHNIK_BENCH_ENDPOINTS=1`` (``bench._common.start_gunicorn`` sets
it); the application itself (``app.create_app``) never registers them
(tests/test_bench_endpoints.py).
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

from flask import Flask
from flask import Response
from flask import request

SETTING = "BELEZHNIK_BENCH_ENDPOINTS"

STATIC_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/ivr/step?n=2" '
    'input="dtmf" numDigits="1"><Say language="bg-BG" voice="Google.bg-BG-Standard-B">'
    "Бележник, здравейте.</Say></Gather></Response>"
)


def enabled_by_environment() -> bool:
    """Whether the bench setting is on in this process's environment (exactly ``1``)."""
    return os.environ.get(SETTING) == "1"


def register(app: Flask, *, enabled: bool) -> None:
    """Add the bare endpoints to ``app`` when ``enabled``; otherwise leave it as it is."""
    if not enabled:
        return

    from extensions import csrf
    from models import Grade
    from models import GradeCategory
    from models import GradeKind
    from models import db

    def static_twiml() -> Response:
        return Response(STATIC_TWIML, mimetype="text/xml")

    def bare_grades() -> Response:
        form = request.form
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        day = dt.date.fromisoformat(form["date"])
        common = {
            "school_id": int(form["school"]),
            "school_year_id": int(form["year"]),
            "curriculum_id": int(form["curriculum"]),
            "subject_id": int(form["subject"]),
            "teacher_id": int(form["teacher"]),
            "term": 1,
            "kind": GradeKind.CURRENT,
            "category": GradeCategory.QUANTITATIVE,
            "value": Decimal("5"),
            "sop_mark": None,
            "date": day,
            "comment": "",
            "exam_id": None,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        students = [int(s) for s in form["students"].split(",") if s]
        # one INSERT … VALUES (…), (…), … for the whole column
        db.session.execute(db.insert(Grade).values([{**common, "student_id": s} for s in students]))
        db.session.commit()
        return Response(str(len(students)), mimetype="text/plain")

    app.add_url_rule("/bench/static-twiml", "bench_static_twiml", static_twiml, methods=["POST"])
    app.add_url_rule("/bench/grades", "bench_grades", bare_grades, methods=["POST"])
    csrf.exempt(static_twiml)
    csrf.exempt(bare_grades)
