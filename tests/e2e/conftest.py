"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

The browser is never downloaded: Playwright launches the system Chromium (/usr/bin/chromium, or
$GUANXI_CHROMIUM). Without it the browser tests are skipped, unless GUANXI_REQUIRE_BROWSER=1, in
which case they fail (CI sets it so a missing browser cannot pass unnoticed).

Each test gets a fresh database with the demo data (users admin, manager, rep1, rep2; password
guanxi-demo; 50 customers). Screenshots go to test-results/ (gitignored); a failing test leaves one
of every page it had open there as well.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# ORM calls from it (SynchronousOnlyOperation).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "test-results"
CHROMIUM = os.environ.get("GUANXI_CHROMIUM") or "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("GUANXI_REQUIRE_BROWSER", "") == "1"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "guanxi-demo"
TIMEOUT_MS = 15_000


def _unavailable(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"GUANXI_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"no Chromium at {CHROMIUM} (install Debian's chromium or set GUANXI_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def demo(transactional_db: None) -> dict[str, Any]:
    """The demo organization and 50 customers, built by the same generators as `guanxi demo`."""
    from guanxi.core.registry import DemoContext, registry

    ctx = DemoContext(seed=1, customers=50, stdout=lambda _line: None)
    for generator in registry.demo_generators:
        generator.run(ctx)
    return ctx.data


class PageProblems:
    """JavaScript errors and failed same-origin requests seen by a page."""

    def __init__(self, page: Any, origin: str) -> None:
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"JS error: {exc}"))
        page.on(
            "response",
            lambda r: self.errors.append(f"HTTP {r.status} {r.request.method} {r.url}")
            if (r.url.startswith(origin) and r.status >= 500)
            or (r.url.startswith(f"{origin}/static/") and r.status >= 400)
            else None,
        )


@pytest.fixture
def new_page(browser: Any, live_server: Any, demo: dict[str, Any], request: pytest.FixtureRequest) -> Iterator[
    Callable[..., Any]
]:
    """new_page(viewport=None) -> a page in its own browser context (own cookies) on the live server."""
    contexts: list[Any] = []
    pages: list[Any] = []

    def make(*, viewport: dict[str, int] | None = None, **options: Any) -> Any:
        options.setdefault("locale", "zh-CN")  # as the app's users' browsers; the app ignores it
        options.setdefault("timezone_id", "Asia/Shanghai")
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport or {"width": 1280, "height": 900}, **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.problems = PageProblems(page, live_server.url)
        pages.append(page)
        return page

    yield make
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        RESULTS.mkdir(exist_ok=True)
        slug = re.sub(r"[^\w.-]+", "_", request.node.name)
        for n, page in enumerate(pages):
            try:
                page.screenshot(path=str(RESULTS / f"FAILED-{slug}-{n}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - best effort only
                pass
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_no_problems(page: Any) -> None:
    assert page.problems.errors == [], page.problems.errors


def login(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form[action$='/accounts/login/'] button[type=submit]")
    assert "/accounts/login/" not in page.url, f"login as {username} failed: still on {page.url}"


def open_user_menu(page: Any) -> None:
    page.click("#user-menu")
    page.wait_for_selector("#user-menu + .dropdown-menu.show, .dropdown-menu.show", state="visible")


def switch_language(page: Any, code: str) -> None:
    """Use the user menu's language buttons (the logged-in layout)."""
    open_user_menu(page)
    with page.expect_navigation():
        page.click(f".dropdown-menu.show button[data-language='{code}']")
    assert page.get_attribute("html", "lang") == code


def logout(page: Any) -> None:
    open_user_menu(page)
    with page.expect_navigation():
        page.click(".dropdown-menu.show form[action$='/accounts/logout/'] button[type=submit]")
    assert "/accounts/login/" in page.url, page.url


def translations_compiled() -> bool:
    return (REPO / "guanxi" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo").is_file()
