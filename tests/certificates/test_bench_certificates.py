"""bench/certificates.py at a size of three: the mechanics (seed, the app's print, the same HTML rendered raw),
not the figures."""
from bench import certificates as bench
from bench.bulk_approve import login
from models import Certificate, db


def test_the_bench_prints_through_the_app_and_renders_the_same_html(app):
    admin = bench.seed(app, 3)
    assert bench.seed(app, 3) == admin  # a second run finds its data
    client = login(app, admin, bench.PASSWORD, "employer")
    ms, pdf = bench.app_print(client)
    assert ms > 0 and pdf[:5] == b"%PDF-"
    db.session.expire_all()
    assert Certificate.query.count() == 3
    html = bench.raw_render(app, 3)
    assert html.count('class="page"') == 3 and all(c.number in html for c in Certificate.query.all())
