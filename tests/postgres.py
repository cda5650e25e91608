"""A real PostgreSQL server for the tests of the operational store.

``JOURNEYS_TEST_POSTGRES_URL`` (a server URL such as
``postgresql+psycopg://journeys@127.0.0.1:5432/postgres``) names a running server to use;
otherwise :func:`start` runs a throw-away one from the Debian ``postgresql`` package's
binaries (initdb, pg_ctl) in a temporary folder, on a free port of 127.0.0.1, without fsync.
Each test gets a database of its own (:func:`new_database`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from glob import glob
from pathlib import Path

import psycopg

ENV = "JOURNEYS_TEST_POSTGRES_URL"
USER = "journeys"


def _bin() -> Path:
    found = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError(
            "the operational-store tests need PostgreSQL: apt-get install postgresql "
            f"(or set {ENV} to a running server)"
        )
    return Path(found[-1]).parent


def _as_owner(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: run it as the package's `postgres` user then.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def start(port: int) -> Iterator[str]:
    """A fresh server on 127.0.0.1:``port`` for the duration; yields its SQLAlchemy URL."""
    if os.environ.get(ENV):
        yield os.environ[ENV]
        return
    bindir = _bin()
    base = Path(tempfile.mkdtemp(prefix="journeys-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    data = base / "data"
    subprocess.run(
        _as_owner([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", USER,
                   "--no-sync", "-E", "UTF8"]),
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "60",
                   "-l", str(base / "log"), "start"]),
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield f"postgresql+psycopg://{USER}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def new_database(server_url: str) -> str:
    """Create an empty database on the server; its SQLAlchemy URL."""
    name = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(_libpq(server_url), autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + "/" + name


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")
