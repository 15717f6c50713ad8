"""DB_PGBOUNCER: PostgreSQL through PgBouncer in transaction pooling. The connection then asks
psycopg for no server-side prepared statements (one prepared on a pooled server connection is
unknown on the next: "prepared statement _pg3_0 already exists") and sends no ``options``
startup parameter (PgBouncer refuses or drops it; the time-outs go on the database role).
Without the setting, nothing changes."""

from __future__ import annotations

from typing import Any

import pytest

from config import database
from config import settings as settings_module

CFG = {
    "DB_STATEMENT_TIMEOUT_MS": 4000,
    "DB_LOCK_TIMEOUT_MS": 3000,
    "DB_IDLE_IN_TRANSACTION_MS": 60000,
    "DB_CONNECT_TIMEOUT_S": 3,
}


@pytest.fixture
def connected(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def connect(**cparams: Any) -> dict[str, Any]:
        seen.append(cparams)
        return cparams

    monkeypatch.setattr(database.GuardedConnection, "connect", connect)
    return seen


def test_off_by_default_sends_the_time_outs(connected: list[dict[str, Any]]) -> None:
    database._connect(dict(CFG), {"host": "127.0.0.1"})
    (cparams,) = connected
    assert "prepare_threshold" not in cparams
    assert "-c statement_timeout=4000" in cparams["options"]
    assert "-c lock_timeout=3000" in cparams["options"]


def test_through_pgbouncer_no_prepared_statements_and_no_options(
    connected: list[dict[str, Any]],
) -> None:
    database._connect({**CFG, "DB_PGBOUNCER": True}, {"host": "127.0.0.1"})
    (cparams,) = connected
    assert cparams["prepare_threshold"] is None
    assert "options" not in cparams
    assert cparams["keepalives"] == 1  # the rest of the connection's guards stay


@pytest.mark.parametrize(
    ("value", "on"), [(None, False), ("", False), ("0", False), ("1", True), ("true", True)]
)
def test_the_setting_is_read_from_the_environment(value: str | None, on: bool) -> None:
    env = {"SECRET_KEY": "x"} | ({} if value is None else {"DB_PGBOUNCER": value})
    assert settings_module.load_settings(env)["DB_PGBOUNCER"] is on
