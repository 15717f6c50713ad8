"""PgBouncer (Debian's package, ``/usr/sbin/pgbouncer``) in transaction pooling between the
benchmark's gunicorn and PostgreSQL, as docs/PERFORMANCE.md ("PgBouncer in transaction pooling")
describes the production set-up: ``pool_mode = transaction``, the application with
``DB_PGBOUNCER=1`` (no prepared statements, no ``options`` startup parameter), and the schema of
the data set chosen by the pool's ``connect_query`` instead of the ``options`` of the URL.

``start(url, schema, pool_size)`` writes the configuration into a folder of its own, starts PgBouncer on
a free port of 127.0.0.1 (as the ``postgres`` user when run as root: PgBouncer refuses to run as
root) and returns the process and the URL to give the application; ``stop(proc)`` ends it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from bench._common import free_port

BINARY = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def available() -> bool:
    return os.path.exists(BINARY)


def start(
    url: str, schema: str, pool_size: int = 8, max_clients: int = 400
) -> tuple[subprocess.Popen[bytes], str]:
    """PgBouncer in front of the database of ``url`` (its host, port, user, database), every
    server connection on ``schema``; ``pool_size`` server connections at most. Its files go to
    a folder of its own (readable by the ``postgres`` user), removed by :func:`stop`. Returns
    the process and the application's URL through it."""
    if not available():
        raise RuntimeError("pgbouncer is not installed (apt-get install -y pgbouncer)")
    target = make_url(url)
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="belezhnik-pgbouncer-"))
    user = target.username or "postgres"
    (folder / "userlist.txt").write_text(f'"{user}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"bench = host={target.host or '127.0.0.1'} port={target.port or 5432} "
        f"dbname={target.database} user={user} "
        f"connect_query='SET search_path TO {schema}'\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        f"unix_socket_dir = {folder}\n"
        "auth_type = trust\n"
        f"auth_file = {folder / 'userlist.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {pool_size}\n"
        f"max_db_connections = {pool_size}\n"
        f"max_client_conn = {max_clients}\n"
        "log_connections = 0\n"
        "log_disconnections = 0\n"
        "ignore_startup_parameters = extra_float_digits, options\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
        f"pidfile = {folder / 'pgbouncer.pid'}\n"
    )
    command = [BINARY, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        for name in ("userlist.txt", "pgbouncer.ini"):
            shutil.chown(folder / name, "postgres")
        command[1:1] = ["-u", "postgres"]
    proc = subprocess.Popen(
        command,
        cwd=folder,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None:
            log = folder / "pgbouncer.log"
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(
                f"pgbouncer exited with {proc.returncode}: "
                f"{log.read_text()[-2000:] if log.exists() else ''}"
            )
        time.sleep(0.1)
    app_url = target.set(host="127.0.0.1", port=port, database="bench", query={})
    return proc, app_url.render_as_string(hide_password=False)


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    """End a PgBouncer of :func:`start` and remove its folder."""
    if proc is None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    if isinstance(proc.args, list):
        shutil.rmtree(Path(str(proc.args[-1])).parent, ignore_errors=True)
