"""Cross-cutting protections: PIN hashing and the fixed-window throttle."""

from __future__ import annotations

import datetime as dt

import pytest

import security
import throttle
from models import AttemptCounter
from models import db


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


def test_throttle_counts_in_fixed_windows(app):
    limit = throttle.Limit("ivr_child", "42", 3)
    assert [bool(throttle.reserve(limit)) for _ in range(4)] == [True, True, True, False]
    assert throttle.count(limit) == 4 and throttle.reached(limit)
    assert not throttle.reached(throttle.Limit("ivr_number", "42", 1)), "scopes are separate"
    old = dt.datetime(2000, 1, 2)  # a window long past does not count now
    db.session.add(AttemptCounter(scope="ivr_code", key="7", window_start=old, attempts=99))
    db.session.commit()
    assert throttle.reserve(throttle.Limit("ivr_code", "7", 1))
    assert throttle.purge() == 1
    throttle.clear("ivr_child", ["42"])
    db.session.commit()
    assert throttle.count(limit) == 0


def test_give_back_takes_back_one_attempt_and_restarts_a_count_in_a_row(app):
    hourly = throttle.Limit("parent_login", "a@b.bg", 5)
    in_row = throttle.Limit("ivr_pin_row", "9", 3, None)
    for _ in range(2):
        assert throttle.reserve(hourly, in_row)
        throttle.failed(in_row)
    assert throttle.reserve(hourly, in_row)  # the third: right
    throttle.give_back(hourly, in_row)
    db.session.commit()
    assert throttle.count(hourly) == 2 and throttle.count(in_row) == 0
    for _ in range(3):
        throttle.reserve(in_row)
        counts = throttle.failed(in_row)
    assert counts == {"9": 3} and not throttle.reserve(in_row)
    throttle.give_back(in_row)  # a count at its limit is locked: only clear() reopens it
    assert throttle.count(in_row) == 3
