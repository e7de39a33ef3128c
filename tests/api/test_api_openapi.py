"""The OpenAPI document is 3.1 and lists every /api/v1 route; /api/docs loads only this site's files."""
import re


def test_openapi_is_3_1_and_lists_every_endpoint(app, client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    routes = {(re.sub(r"<(?:int:)?(\w+)>", r"{\1}", r.rule), m.lower()) for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/v1/") or r.rule.startswith("/api/v1")
              for m in r.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops if method != "parameters"}
    assert routes and routes == documented
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method != "parameters":
                assert op["security"][0]["bearerAuth"], (path, method)


def test_docs_page_loads_local_files_only(client):
    r = client.get("/api/docs")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "swagger-ui-bundle.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
