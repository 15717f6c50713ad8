"""Absolute links (e-mails, SMS, parent labels, the phone line's audio) from the configured public
address only, never from the request's Host header: a forged ``Host: evil.example`` must not put
``http://evil.example/password/reset/<token>`` into a parent's e-mail.

``PORTAL_BASE_URL`` (parents' pages, when the portal has an address of its own) or
``PUBLIC_BASE_URL``; in development with neither set, ``http://HOST:PORT`` of ``make run``
(127.0.0.1:5000). Production refuses to start without ``PUBLIC_BASE_URL``
(``config.settings.production_problems``).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

from flask import current_app
from flask import has_request_context
from flask import url_for


def base_url(config: Mapping[str, Any], *, portal: bool = False) -> str:
    """The public address without a trailing slash (``portal``: the parents' one)."""
    configured = (config.get("PORTAL_BASE_URL") if portal else "") or config.get("PUBLIC_BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    return f"http://{config.get('HOST') or '127.0.0.1'}:{config.get('PORT') or 5000}"


def absolute(path: str, *, portal: bool = False) -> str:
    """``path`` (from ``url_for``) on the public address."""
    return base_url(current_app.config, portal=portal) + path


def link(endpoint: str, *, portal: bool = False, **values: Any) -> str:
    """``url_for(endpoint, **values)`` on the public address, inside a request or not (the
    worker, the CLI)."""
    context = nullcontext() if has_request_context() else current_app.test_request_context()
    with context:
        path = url_for(endpoint, **values)
    return absolute(path, portal=portal)
