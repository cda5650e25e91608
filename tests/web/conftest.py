"""Fixtures for the web UI tests: a workspace with the demo journeys, a test client, and a
real server on 127.0.0.1 with Chromium driven by Playwright for the browser tests."""

from __future__ import annotations

import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright

from journeys.api.app import create_app
from journeys.workspace import Workspace

# Starlette 1.x prefers httpx2 for its test client; the pinned httpx still works, so the
# deprecation is not ours to fix here (and warnings are errors in this suite).
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A fresh workspace holding the example journeys."""
    return Workspace.init(tmp_path / "ws")


@pytest.fixture
def client(workspace: Workspace) -> Iterator[TestClient]:
    """A test client on the whole app, with its start-up and shut-down run."""
    with TestClient(create_app(workspace)) as c:
        yield c


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app served by uvicorn in a background thread; yields its base URL."""
    workspace = Workspace.init(tmp_path_factory.mktemp("live") / "ws")
    port = free_port()
    config = uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium under Playwright (``playwright install`` is not available here)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
