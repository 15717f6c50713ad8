"""Sign-in tokens: what flask-login keeps in the session and in the remember-me cookie.

A token is ``<kind>:<id>:<generation>:<issued>:<nonce>`` (kind ``s`` staff, ``g`` guardian):

* ``generation`` is the account's ``session_generation`` when the token was issued. Logout,
  "sign out everywhere" and every change of a password or PIN (by the owner, an admin, a reset
  link, the CLI: an attribute event, so no path can forget it) bump the column, and every token
  of an older generation — any session cookie, any remember-me cookie, copied or not — is refused
  by :func:`load_user` on its next request.
* ``issued`` (Unix seconds, from ``config.clock``) bounds a sign-in's life on the server:
  ``SIGN_IN_MAX_DAYS`` after it began, the token is refused whatever the cookie's own expiry
  says (flask-login's ``REMEMBER_COOKIE_DURATION`` is only a hint to the browser).
* ``nonce`` makes every sign-in's token, and so its remember-me cookie, new. (A cookie is not
  re-issued on each use: without a row per sign-in the old value would stay valid anyway.)
* A deactivated account (``active`` off) is signed out on its next request.

Both cookies are signed with ``SECRET_KEY`` (Flask's session, flask-login's HMAC), so a token's
fields cannot be edited; this module decides whether a genuine one is still good.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from flask import Flask
from flask import current_app
from flask import request
from flask import session
from flask_login import LoginManager
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user
from sqlalchemy import event

from config import clock
from models import Guardian
from models import StaffUser
from models import db

Account = StaffUser | Guardian
_KINDS: dict[str, type[StaffUser] | type[Guardian]] = {"s": StaffUser, "g": Guardian}
_MAX_ID = 2**31 - 1


def init_app(app: Flask, login_manager: LoginManager) -> None:
    app.config.setdefault("SIGN_IN_MAX_DAYS", 30)
    login_manager.user_loader(load_user)


def max_age() -> dt.timedelta:
    """How long a sign-in lasts at most (its session and its remember-me cookie)."""
    return dt.timedelta(days=float(current_app.config.get("SIGN_IN_MAX_DAYS", 30)))


def sign_in(account: Account, *, remember: bool = False) -> None:
    """flask-login's ``login_user`` with a new token in the session (and, with ``remember``, in a
    remember-me cookie lasting ``SIGN_IN_MAX_DAYS``). A bare ``login_user`` would store the plain
    ``get_id()``, which :func:`load_user` refuses: forgetting this fails closed."""
    real = getattr(account, "_get_current_object", lambda: account)()  # never current_user itself
    login_user(real, remember=remember, duration=max_age())
    session["_user_id"] = issue(real)


def issue(account: Account) -> str:
    """A new token for ``account``."""
    kind = "s" if isinstance(account, StaffUser) else "g"
    issued = int(clock.now().timestamp())
    generation = account.session_generation or 0
    return f"{kind}:{account.id}:{generation}:{issued}:{secrets.token_urlsafe(12)}"


def load_user(token: str) -> Account | None:
    """flask-login's user loader: the account of a token still good, else None (signed out)."""
    parts = token.split(":")
    if len(parts) != 5:
        return None  # also the old "s:<id>" ids of before: every such session ends
    kind, raw_id, raw_generation, raw_issued, _nonce = parts
    model = _KINDS.get(kind)
    numbers = (raw_id, raw_generation, raw_issued)
    if model is None or not all(n.isascii() and n.isdigit() and len(n) <= 12 for n in numbers):
        return None
    if int(raw_id) > _MAX_ID:
        return None
    if clock.now().timestamp() - int(raw_issued) > max_age().total_seconds():
        return None
    account = db.session.get(model, int(raw_id))
    if account is None or (account.session_generation or 0) != int(raw_generation):
        return None
    return account if account.active else None  # a deactivated account is signed out at once


def sign_out() -> None:
    """Logout: the signed-in account's generation moves on (every session and remember-me cookie
    of it ends, a copied one included: a signed cookie alone cannot be revoked), then
    flask-login's ``logout_user``. Also the "sign out everywhere" action. Commits."""
    account = current_user._get_current_object() if current_user.is_authenticated else None
    if isinstance(account, StaffUser | Guardian):
        end_all(account)
        db.session.commit()
    logout_user()


def end_all(account: Account) -> None:
    """Every session and remember-me cookie of ``account`` stops working (the caller commits)."""
    account.session_generation = (account.session_generation or 0) + 1


def renew(account: Account) -> None:
    """After the signed-in person changed their own password or PIN (which ended every session):
    this browser stays signed in, with a token of the new generation (and a new remember-me
    cookie if it had one)."""
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    sign_in(account, remember=cookie in request.cookies)


def _credentials_changed(target: Account, value: Any, oldvalue: Any, _initiator: Any) -> None:
    if value != oldvalue:
        end_all(target)


for _attribute in (StaffUser.password_hash, Guardian.password_hash, Guardian.pin_hash):
    event.listen(_attribute, "set", _credentials_changed, active_history=True)
