"""/api/docs runs in a real browser from the vendored Swagger UI: every endpoint listed, no request leaves the
app's origin, and the Content-Security-Policy reports no violation."""
from urllib.parse import urlparse

from playwright.sync_api import expect


def test_api_docs_render_offline_under_the_csp(page, live_server, shot):
    problems, origins = [], set()
    page.on("console", lambda m: problems.append((m.text, m.location))
            if (m.type == "error" or "Content Security Policy" in m.text)
            and not m.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: origins.add(urlparse(r.url).netloc) if r.url.startswith("http") else None)

    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("继续教育管理后台接口")
    for path in ("/api/v1/persons", "/api/v1/credits", "/api/v1/completion", "/api/v1/certificates"):
        expect(page.locator(".opblock-summary-path", has_text=path).first).to_be_visible()
    page.locator(".opblock-summary-path", has_text="/api/v1/credits").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    shot("docs")

    assert origins == {urlparse(live_server.url).netloc}, origins
    assert not problems, "\n".join(map(str, problems))
