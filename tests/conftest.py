"""Shared fixtures: workspaces, sources and a real server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from journeys.store.operational import Source
from journeys.workspace import Workspace

import postgres
from serving import admin_headers, free_port, running_server


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


@pytest.fixture
def api(ws: Workspace, server: str) -> Iterator[httpx.Client]:
    """An HTTP client of the ``server`` fixture that signs in as an admin with an API token."""
    with httpx.Client(base_url=server, headers=admin_headers(ws), timeout=30) as client:
        yield client
