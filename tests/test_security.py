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
def test_check_pin(stored, typed, ok):
    pin_hash = security.hash_pin(stored) if stored else None
    assert security.check_pin(pin_hash, typed) is ok
    if pin_hash:
        assert stored not in pin_hash and pin_hash.startswith("pbkdf2:sha256:")


def test_same_pin_hashes_differently():
    assert security.hash_pin("2580") != security.hash_pin("2580")


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
