"""WSGI entry for the benchmarks: the real app plus, with the bench setting
``BELEZHNIK_BENCH_ENDPOINTS=1`` (``bench._common.start_gunicorn`` sets it), the bare endpoints of
:mod:`bench.endpoints` (the yardsticks: static TwiML, and a column's grade rows inserted in one
statement)."""

from __future__ import annotations

from app import create_app
from bench import endpoints

app = create_app()
endpoints.register(app, enabled=endpoints.enabled_by_environment())
