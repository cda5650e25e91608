"""Fixtures for the web UI tests: a workspace with the demo journeys, a test client, and
Chromium driven by Playwright for the browser tests.

The browser tests use the shared ``server`` fixture (tests/conftest.py): the real app on
127.0.0.1 over the ``ws`` workspace, which a test can seed before it opens a page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright

from journeys.api.app import create_app
from journeys.workspace import Workspace

from serving import admin_headers

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
    """A test client on the whole app, signed in as an admin, with its start-up and shut-down
    run."""
    with TestClient(create_app(workspace), headers=admin_headers(workspace)) as c:
        yield c


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium under Playwright (``playwright install`` is not available here)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
