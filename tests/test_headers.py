"""Security headers on every response, a CSP the app's own pages satisfy (every inline script carries the
response's nonce, no inline event handler anywhere), the upload limit, and private instance files."""
import io
import os
import re
import stat
from urllib.parse import urljoin, urlsplit

from app import _private_sqlite_file, _secret_key

from .helpers import make_admin, make_department, make_person

SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
NONCE_IN_CSP = re.compile(r"script-src 'self' 'nonce-([^']+)'")
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
LINK = re.compile(r'href="([^"#]+)"')
NOT_PAGES = ("/static/", "/admin/static/", "/export/", "/logout", ".json")


def assert_security_headers(r):
    h = r.headers
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    csp = h["Content-Security-Policy"]
    for part in ("default-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
                 "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"):
        assert part in csp, part
    assert NONCE_IN_CSP.search(csp) and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_headers_on_public_admin_and_error_pages(app, client, auth, unit):
    assert_security_headers(client.get("/login"))
    assert_security_headers(client.get("/no-such-page"))
    auth.login(unit.admin)
    assert_security_headers(client.get("/admin/"))
    assert_security_headers(client.get("/admin/staff/details/?id=2147483648"))
    first, second = (NONCE_IN_CSP.search(client.get("/admin/").headers["Content-Security-Policy"]).group(1)
                     for _ in range(2))
    assert first != second, "one nonce per response"


def check_page(url, r, problems):
    body = r.get_data(as_text=True)
    nonce = NONCE_IN_CSP.search(r.headers["Content-Security-Policy"]).group(1)
    for attrs in SCRIPT.findall(body):
        if "src=" not in attrs and f'nonce="{nonce}"' not in attrs:
            problems.append((url, "inline script without this response's nonce", attrs))
    for handler in EVENT_HANDLER.findall(body):
        problems.append((url, "inline event handler", handler[:80]))


def crawl(app, client, start):
    """Every GET page reachable from the routes without arguments and the links on those pages (details,
    edit, filtered lists), as the current client sees them."""
    seen, queue, problems = set(), list(start), []
    while queue and len(seen) < 400:
        url = queue.pop(0)
        if url in seen or url.startswith(NOT_PAGES) or any(p in url for p in NOT_PAGES):
            continue
        seen.add(url)
        r = client.get(url)
        if "html" not in r.content_type:
            continue
        check_page(url, r, problems)
        for href in LINK.findall(r.get_data(as_text=True)):
            link = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(link)
            if not parts.netloc or parts.netloc == "localhost":
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen, problems


def routes_without_arguments(app):
    return [r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and not r.arguments]


def test_every_page_satisfies_the_csp(app, unit):
    from .conftest import Auth

    dept = make_department(unit.employer, "内科")
    staff = make_person(unit.employer, "张静", department=dept)
    make_person(unit.branch, "待审人员", status="pending")
    make_admin(unit.employer, "普通管理员", is_super=False)
    city_admin = make_admin(unit.city, "李局长")
    start = routes_without_arguments(app)
    pages, problems = set(), []
    for who, user_type in [(None, None), (unit.admin, "employer"), (city_admin, "supervisor"),
                           (staff.account, "person")]:
        client = app.test_client()
        if who is not None:
            Auth(client).login(who, user_type=user_type)
        seen, found = crawl(app, client, start)
        pages |= seen
        problems += found
    assert {"/me/transfer", "/login", "/register/unit", "/admin/"} <= pages
    assert any("/details/" in p for p in pages) and any("/edit/" in p for p in pages) and len(pages) > 60
    assert not problems, problems


def test_a_body_over_the_limit_is_refused_unread(app, client):
    class Counted(io.RawIOBase):
        """60 MB of form body never held in memory; counts how much of it the app reads."""
        size, pos, read_bytes = 60 * 2**20, 0, 0

        def readable(self):
            return True

        def seekable(self):
            return True

        def tell(self):
            return self.pos

        def seek(self, offset, whence=0):
            self.pos = self.size + offset if whence == 2 else offset
            return self.pos

        def readinto(self, buffer):
            n = max(min(len(buffer), self.size - self.pos), 0)
            buffer[:n] = b"a" * n
            self.pos += n
            self.read_bytes += n
            return n

    body = Counted()
    r = client.post("/login", input_stream=body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 413 and "超过了 32 MB 的大小限制" in r.get_data(as_text=True)
    assert body.read_bytes < 2**20
    assert_security_headers(r)


def test_secret_key_and_sqlite_file_are_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(os, "umask", os.umask)  # restored by monkeypatch whatever happens below
    old = os.umask(0o022)  # the usual umask: files readable by everyone unless created otherwise
    try:
        key = _secret_key(str(tmp_path / "instance"))
        _private_sqlite_file(f"sqlite:///{tmp_path}/instance/app.sqlite3", str(tmp_path / "instance"))
    finally:
        os.umask(old)
    assert len(key) == 64
    for name in ("secret_key", "app.sqlite3"):
        assert stat.S_IMODE(os.stat(tmp_path / "instance" / name).st_mode) == 0o600, name
    assert _secret_key(str(tmp_path / "instance")) == key
