"""What a page does in the browser: every request it makes, and the ones that failed."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, Request, Response


class Traffic:
    """Every request a page makes, and the ones that failed or were refused."""

    def __init__(self, page: Page) -> None:
        self.urls: list[str] = []
        self.failures: list[str] = []
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def hosts(self) -> set[str | None]:
        """The hosts the page talked to (data: and about: URLs are not requests to a host)."""
        return {urlsplit(u).hostname for u in self.urls if not u.startswith(("data:", "about:"))}

    def _failed(self, request: Request) -> None:
        self.failures.append(f"{request.url}: {request.failure}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.failures.append(f"{response.url}: HTTP {response.status}")
