"""Playwright driving Debian's Chromium against pytest-django's live server (and the real Celery worker).

pytest-playwright looks for its own downloaded browser; the one override below points it at the system
Chromium instead (see ../shared/notes/browser.md). The workspace needs the Vite build in frontend/dist.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from playwright.sync_api import Browser, BrowserContext, Page
from pytest_django.live_server_helper import LiveServer

from tests.browser.actions import drag_select, utf16
from tests.conftest import REPO
from tests.factories import PASSWORD

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.DATA_DIR) / "screenshots"
__all__ = ["drag_select", "log_in", "screenshot", "second_page", "utf16"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    exe = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(exe).exists():
        pytest.fail(f"Debian chromium not found at {exe}: `make test` installs it (apt-get install -y chromium)")
    if not (REPO / "frontend" / "dist" / "workspace.js").exists():
        pytest.fail("frontend/dist is missing: `make test` builds it (npm --prefix frontend ci && run build)")
    headless = browser_type_launch_args.get("headless", True)
    return {
        **browser_type_launch_args,
        "executable_path": exe,
        "args": (["--headless"] if headless else []) + CHROMIUM_FLAGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def page(page: Page) -> Iterator[Page]:
    """The plugin's page, failing the test on any uncaught script error in it."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(15_000)
    yield page
    assert errors == [], f"script errors in the page: {errors}"


def log_in(page: Page, live_server: LiveServer, user: User, then: str = "/") -> None:
    """Through the real login form."""
    page.goto(f"{live_server.url}/login/?next={then}")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}{then}")


def second_page(browser: Browser) -> tuple[BrowserContext, Page]:
    """A separate browser session (its own cookies), for a second reviewer."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    return context, context.new_page()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
