"""Shared fixtures: workspaces, sources and a real server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from journeys.api.app import create_app
from journeys.store.operational import Source
from journeys.workspace import Workspace

import postgres


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running_server(workspace: Workspace) -> Iterator[str]:
    """Serve the real app for a workspace with uvicorn in a thread; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh workspace with the example journeys; closed after the test."""
    workspace = Workspace.init(tmp_path / "ws")
    yield workspace
    workspace.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server for this test process (see postgres.py); its URL."""
    with postgres.start(free_port()) as url:
        yield url


@pytest.fixture
def pg_ws(tmp_path: Path, postgres_server: str) -> Iterator[Workspace]:
    """A fresh workspace whose operational store is a new PostgreSQL database."""
    url = postgres.new_database(postgres_server)
    workspace = Workspace.init(tmp_path / "ws", operational_url=url)
    yield workspace
    workspace.close()


@pytest.fixture
def website(ws: Workspace) -> Source:
    """A tracking source named website."""
    return ws.operational.add_source("website", channel="web")


@pytest.fixture
def server(ws: Workspace, website: Source) -> Iterator[str]:
    """The real app on 127.0.0.1 over the ``ws`` workspace."""
    with running_server(ws) as url:
        yield url
