"""Headless Chromium for the browser tests: Debian's chromium, driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError(
            "Chromium is not installed: run `make test` (it installs it) or "
            "`apt-get install chromium`"
        )
    return path


@contextmanager
def browser_page(**context: Any) -> Iterator[Any]:
    """A page of a fresh headless Chromium (``context``: Playwright's context options)."""
    with chromium() as new_page, new_page(**context) as page:
        yield page


@contextmanager
def chromium() -> Iterator[Callable[..., AbstractContextManager[Any]]]:
    """One Chromium for several pages: yields ``new_page(**context)``, a context manager
    giving a page of a context of its own (its own cookies: another user signs in).

    A launch costs seconds on a loaded machine; a test that walks many users opens one
    page per user in the same browser instead of launching one browser per user.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )

        @contextmanager
        def new_page(**context: Any) -> Iterator[Any]:
            # A test may ask for another viewport (a phone: 390×844) or locale.
            options = {"locale": "zh-CN", "viewport": {"width": 1400, "height": 900}, **context}
            ctx = browser.new_context(**options)
            try:
                page = ctx.new_page()
                page.set_default_timeout(15_000)
                # Every browser test also proves the Content-Security-Policy breaks nothing:
                # Chromium reports each blocked script, style or request on the console.
                blocked: list[str] = []
                page.on(
                    "console",
                    lambda msg: (
                        blocked.append(msg.text) if "Content Security Policy" in msg.text else None
                    ),
                )
                yield page
                assert not blocked, f"the Content-Security-Policy blocked: {blocked}"
            finally:
                ctx.close()

        try:
            yield new_page
        finally:
            browser.close()
