"""Browser fixtures: the test app served on a free local port, and a Chromium page driving it.

The ``app`` fixture of tests/conftest.py gives the clean database; ``live_server`` serves that same app from a
background thread, where Flask pushes its own app context (and so its own database session) per request.
"""
import os
import re
import threading
from pathlib import Path

import pytest
from flask import got_request_exception
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from models import db

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
TIMEOUT_MS = 15_000

expect.set_options(timeout=TIMEOUT_MS)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per static file would bury a failure's real output
        pass


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.errors = []
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)

    def _record_error(self, sender, exception, **extra):
        self.errors.append(exception)

    def start(self):
        got_request_exception.connect(self._record_error, self.app)
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()
        got_request_exception.disconnect(self._record_error, self.app)


@pytest.fixture
def live_server(app):
    # The server thread reads through its own sessions: only committed rows are visible to it.
    db.session.commit()
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()
    # With TESTING on, a server-side exception becomes a bare 500 page in the browser; name the real cause here.
    if server.errors:
        pytest.fail(f"the live server raised {len(server.errors)} error(s); first: {server.errors[0]!r}")


@pytest.fixture(scope="session")
def browser():
    # Loud, not skipped: a machine without Chromium must not pass the suite with the journeys left out.
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make sysdeps` (apt-get install chromium)", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 850},
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        page.screenshot(path=_shot_path(request.node.name, "failure"), full_page=True)
    context.close()


def _shot_path(test_name, step):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', test_name)}-{step}.png"


@pytest.fixture
def shot(page, request):
    """shot("login-form") saves tests/screenshots/<test>-01-login-form.png; steps are numbered in order."""
    steps = iter(range(1, 1000))

    def take(step):
        path = _shot_path(request.node.name, f"{next(steps):02d}-{step}")
        page.screenshot(path=path, full_page=True)
        return path

    return take
