"""What every route needs from the application: the workspace it serves."""

from __future__ import annotations

from fastapi import Request

from journeys.workspace import Workspace


def workspace_of(request: Request) -> Workspace:
    """The workspace the running app serves (set by ``create_app``)."""
    workspace: Workspace = request.app.state.workspace
    return workspace
