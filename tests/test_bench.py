"""The province bench walks every list view and times real statements (at demo size: the mechanics, not figures)."""
from flask_admin.contrib.sqla import ModelView

from bench import pages
from bench.bulk_approve import login
from demo import accounts as documented
from demo import load_demo
from models import db


def test_every_list_view_is_benched_and_its_statements_are_caught_and_rerun(app, monkeypatch):
    load_demo()
    monkeypatch.setattr(pages, "BIG_TABLE", 100)  # the demo's ~2,000 staff count as big: all variants run
    urls = dict(pages.list_urls(app))
    for view in app.extensions["admin"][0]._views:
        if isinstance(view, ModelView):
            assert view.url.rstrip("/") + "/" in urls, view.endpoint
    assert "/admin/staff/?search=王" in urls and f"/admin/staff/?page={pages.DEEP_PAGE - 1}" in urls
    assert any(u.startswith("/admin/staff/?flt0_") for u in urls)

    account = documented.BY_KEY["province_admin"]
    client = login(app, account.id_number, documented.PASSWORD, account.user_type)
    catcher = pages.StatementCatcher(db.engine)
    try:
        timing = pages.time_page(client, catcher, "省厅", "/admin/staff/?search=王", "staff 搜索", repeat=2)
    finally:
        catcher.close()
    assert timing.status == 200 and timing.app_ms > 0
    reads = [s for s in timing.statements if s.sql.lstrip().upper().startswith("SELECT")]
    assert any("FROM person" in s.sql for s in reads)
    assert all(s.ms > 0 for s in reads) and timing.sql_ms == sum(s.ms for s in timing.statements)
    assert "staff 搜索" in pages.table([timing])
