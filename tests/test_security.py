"""Cross-cutting protections: PIN hashing and the sliding-window throttle."""

from __future__ import annotations

import datetime as dt

import pytest

import security
from models import AuthFailure, db


@pytest.mark.parametrize(
    ("stored", "typed", "ok"),
    [
        pytest.param("2580", "2580", True, id="right PIN"),
        pytest.param("2580", "2581", False, id="one digit off"),
        pytest.param("258013", "2580", False, id="prefix of a longer PIN"),
        pytest.param(None, "2580", False, id="no PIN set"),
    ],
)
def test_check_pin(app, stored, typed, ok):
    pin_hash = security.hash_pin(stored) if stored else None
    assert security.check_pin(pin_hash, typed) is ok
    if pin_hash:
        assert stored not in pin_hash and pin_hash.startswith("hmac-sha256$")


def test_same_pin_hashes_differently(app):
    assert security.hash_pin("2580") != security.hash_pin("2580")


def test_pin_hash_needs_the_key(app):
    """A copy of the database without PIN_KEY reveals nothing: under another key no PIN fits."""
    pin_hash = security.hash_pin("2580")
    app.config["PIN_KEY"] = "another key"
    assert not any(security.check_pin(pin_hash, f"{n:04d}") for n in range(10000))


def test_earlier_pbkdf2_hashes_still_work(app):
    from werkzeug.security import generate_password_hash

    old = generate_password_hash("2580", method="pbkdf2:sha256:40000")
    assert security.check_pin(old, "2580") and not security.check_pin(old, "2581")


@pytest.mark.parametrize(
    ("settings", "same"),
    [
        pytest.param({"SECRET_KEY": "a", "PIN_KEY": ""}, False, id="derived, not the secret"),
        pytest.param({"SECRET_KEY": "a", "PIN_KEY": "k"}, True, id="set explicitly"),
    ],
)
def test_pin_key_setting(settings, same):
    from config.settings import pin_key

    key = pin_key(settings)
    assert (key == "k") is same and key != settings["SECRET_KEY"]
    assert pin_key({**settings, "SECRET_KEY": "b"}) != key or same


def test_throttle_counts_within_the_window_only(app):
    for _ in range(3):
        security.record_failure("ivr_code", "1234567890")
    db.session.add(
        AuthFailure(
            scope="ivr_code", key="1234567890", created_at=dt.datetime(2000, 1, 1)
        )  # long ago: outside the window
    )
    db.session.commit()
    assert security.failures("ivr_code", "1234567890") == 3
    assert security.too_many("ivr_code", "1234567890", limit=3)
    assert not security.too_many("ivr_code", "1234567890", limit=4)
    assert not security.too_many("ivr_number", "1234567890", limit=1), "scopes are separate"
    security.clear_failures("ivr_code", "1234567890")
    db.session.commit()
    assert security.failures("ivr_code", "1234567890") == 0
