"""A real server for tests: the app over a workspace with uvicorn on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import uvicorn

from journeys.api.app import create_app
from journeys.workspace import Workspace


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


# -- signing in ---------------------------------------------------------------------------------

TEST_PASSWORD = "correct horse battery staple"
_tokens: dict[tuple[str, str], str] = {}


def token_for(workspace: Workspace, role: str = "admin", pii: bool = False) -> str:
    """An API token of a role in a workspace (made once per workspace and role)."""
    from journeys.security import accounts
    from journeys.security.roles import Role

    key = (str(workspace.root), f"{role}:{pii}")
    if key not in _tokens:
        name = f"test-{role}{'-pii' if pii else ''}"
        _tokens[key] = accounts.create_token(workspace, name, Role(role), "tests", pii=pii).token
    return _tokens[key]


def admin_headers(workspace: Workspace) -> dict[str, str]:
    """Headers that authenticate an API call as an admin of the workspace."""
    return {"Authorization": f"Bearer {token_for(workspace)}"}


def role_headers(workspace: Workspace, role: str, pii: bool = False) -> dict[str, str]:
    """Headers that authenticate an API call with a token of one role."""
    return {"Authorization": f"Bearer {token_for(workspace, role, pii)}"}


def test_user(workspace: Workspace, role: str = "admin", teams: tuple[str, ...] = ()) -> str:
    """A user of a role who signs in with TEST_PASSWORD (made once); their user name."""
    from journeys.errors import Conflict
    from journeys.security import accounts
    from journeys.security.roles import Role

    username = f"{role}-user"
    with suppress(Conflict):  # made already
        accounts.create_user(workspace, username, TEST_PASSWORD, Role(role), "tests", teams)
    return username


test_user.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def signed_in_page(browser: Any, base_url: str, workspace: Workspace, role: str = "admin") -> Any:
    """A new browser page signed in through the real sign-in form as a user of a role."""
    username = test_user(workspace, role)
    page = browser.new_page()
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    return page


def signed_in_page_with(
    browser: Any, base_url: str, workspace: Workspace, role: str = "admin", **options: Any
) -> Any:
    """Like ``signed_in_page``, on a page opened with Playwright's options (a viewport, a
    phone's ``is_mobile``)."""
    username = test_user(workspace, role)
    page = browser.new_page(**options)
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("networkidle")  # the page signing in lands on has loaded its data
    return page
