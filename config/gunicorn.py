"""gunicorn's settings for Belezhnik: ``gunicorn -c config/gunicorn.py 'app:create_app()'``.

Shaped so that an overloaded server degrades instead of collapsing (docs/PERFORMANCE.md,
"Overload"): threaded workers (a request waiting for PostgreSQL does not hold a whole process),
a short accept queue in each worker and in the kernel, so that what cannot be served soon is
refused at once rather than served after its client has given up, and with
``queue_deadline.py`` (the proxy's ``X-Request-Start``) a request that did wait too long is
answered "try again" without running. The phone webhooks run in their own gunicorn with this
same file on another port (``WEB_BIND``), so that staff load never delays a call (README,
"Production"). Every value can be set in the environment (``WEB_*``, see .env.example); gunicorn's
command-line options override this file. Read by gunicorn only; the app never imports it.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("WEB_BIND") or "127.0.0.1:8000"
# processes: one or two a core (each holds its own connection pool: SQLAlchemy's 5 + 10)
workers = _int("WEB_WORKERS", 2 * (os.cpu_count() or 1))
worker_class = "gthread"
threads = _int("WEB_THREADS", 4)  # requests served at once by a process (they share its GIL)
# connections a process holds at once (being served, queued, idle keep-alive); beyond it the
# process stops accepting and new connections wait in the kernel's queue of `backlog`, beyond
# which the proxy gets a refusal at once (and answers its own 502) instead of a long wait
worker_connections = _int("WEB_WORKER_CONNECTIONS", 32)
backlog = _int("WEB_BACKLOG", 64)
timeout = _int("WEB_TIMEOUT", 30)  # a process silent this long is killed and replaced
graceful_timeout = _int("WEB_GRACEFUL_TIMEOUT", 20)  # on restart: finish what is in hand
keepalive = _int("WEB_KEEPALIVE", 2)  # seconds an idle connection (from the proxy) is kept
max_requests = _int("WEB_MAX_REQUESTS", 0)  # 0: a process serves for ever
max_requests_jitter = _int("WEB_MAX_REQUESTS_JITTER", 0)
