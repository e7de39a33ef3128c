"""电子证书 PDF: a batch of 100 certificates printed through the app against raw WeasyPrint rendering the same HTML.

    .venv/bin/python -m bench.certificates [--count 100] [--repeat 5] [--database-url sqlite:///...]

The app's time is the median of ``repeat`` whole requests (POST 打印全部符合条件 on 电子证书查询打印, logged in as the
unit's admin through the login page): the scoped query, the numbers (issued by the first request, found by the
others), the pages' data, the template, WeasyPrint and the download. The raw time is the median of
``HTML(string=...).write_pdf()`` of the very HTML the app rendered for those people. Target: ≤ 1.3×.

It writes (certificates, audit entries): by default into a fresh SQLite file; ``--database-url`` must name a
scratch database (never bench_scale, which is read-only), migrated and seeded here.
"""
import argparse
import re
import statistics
import tempfile
import time
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from app import create_app
from cli import upgrade_database
from demo.ids import id_number, uscc
from models import Account, AdminMembership, Organization, Person, db
from models.hours.totals import PersonYearHours

from .bulk_approve import log, login

PASSWORD = "Bench#2026pw"
TARGET = 1.3
URL = "/admin/stats/certificates/"


def seed(app, count):
    """A province > city > hospital with ``count`` staff who met 2026 (学时汇总 rows as the approvals leave them)
    and the hospital's admin; nothing when already there."""
    with app.app_context():
        found = db.session.scalar(select(Organization).where(Organization.name == "济南市第一人民医院（bench）"))
        if found is not None:
            return db.session.scalar(select(Account.id_number).join(AdminMembership).where(
                AdminMembership.org_id == found.id))
        province = _org("山东省人力资源和社会保障厅", "supervisor", None, 1)
        city = _org("济南市人力资源和社会保障局", "supervisor", province, 2)
        unit = _org("济南市第一人民医院（bench）", "employer", city, 3)
        admin = _account("王管理", 10)
        db.session.add(AdminMembership(account_id=admin.id, org_id=unit.id, is_super=True))
        surnames, given = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", "明华建国丽娜伟强敏静磊洋艳勇军杰娟涛超"
        for i in range(count):
            name = surnames[i % len(surnames)] + given[(i * 7) % len(given)] + given[(i * 3 + 1) % len(given)]
            account = _account(name, 100 + i)
            person = Person(account_id=account.id, org_id=unit.id, name=name, id_number=account.id_number,
                            gender="男", birth_date=date(1985, 1, 1), status="approved")
            db.session.add(person)
            db.session.flush()
            db.session.add(PersonYearHours(person_id=person.id, year=2026, org_id=unit.id,
                                           public_hours=Decimal(32), professional_hours=Decimal(64),
                                           other_hours=Decimal(0), total_hours=Decimal(96), met=True))
        db.session.commit()
        return admin.id_number


def _org(name, kind, parent, seq):
    org = Organization(name=name, uscc=uscc(880000 + seq), kind=kind, parent_id=parent.id if parent else None,
                       status="approved", region="济南市")
    db.session.add(org)
    db.session.flush()
    org.attach_to_tree()
    return org


def _account(name, seq):
    account = Account(id_number=id_number(880000 + seq), name=name, email=f"bench{seq}@example.cn",
                      phone=f"139{880000 + seq:08d}"[-11:])
    account.set_password(PASSWORD)
    db.session.add(account)
    db.session.flush()
    return account


def app_print(client):
    page = client.get(URL).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    start = time.perf_counter()
    r = client.post(URL + "print?year=2026", data={"csrf_token": token, "all": "1"})
    ms = (time.perf_counter() - start) * 1000
    assert r.status_code == 200 and r.mimetype == "application/pdf", (r.status_code, r.get_data()[:300])
    return ms, r.get_data()


def raw_render(app, count):
    """The HTML the app renders for the same people."""
    from models.certificates.printing import certificate_html, printed

    with app.test_request_context(base_url=app.config["PUBLIC_BASE_URL"]):
        ids = list(db.session.scalars(select(PersonYearHours.person_id).where(PersonYearHours.year == 2026)
                                      .order_by(PersonYearHours.person_id).limit(count)))
        html = certificate_html(2026, printed(2026, ids))
    return html


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100, help="certificates in the batch (≤ 200: one request)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-cert-')}/bench.sqlite3"
    if "bench_scale" in url:
        raise SystemExit("bench_scale is read-only: give a scratch database")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "JOBS_IMMEDIATE": "1",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade_database()
    admin = seed(app, args.count)
    client = login(app, admin, PASSWORD, "employer")
    first_ms, pdf = app_print(client)
    log(f"首次打印（含发放 {args.count} 个证书编号）: {first_ms:.0f} ms, PDF {len(pdf) / 1024:.0f} KB")
    from weasyprint import HTML

    with app.app_context():
        html = raw_render(app, args.count)
        issued = db.session.scalar(select(func.count()).select_from(db.metadata.tables["certificate"]))
    apps, raws = [], []
    for _ in range(args.repeat):  # alternated: the machine's load drifts, and both sides should share it
        apps.append(app_print(client)[0])
        with app.app_context():
            start = time.perf_counter()
            HTML(string=html, base_url=app.root_path).write_pdf()
            raws.append((time.perf_counter() - start) * 1000)
    app_ms, raw_ms = statistics.median(apps), statistics.median(raws)
    ratio = app_ms / raw_ms
    log(f"证书数: {issued}")
    log(f"应用（整次请求，重印）中位数: {app_ms:.0f} ms，每张 {app_ms / args.count:.1f} ms")
    log(f"WeasyPrint 直接渲染同一 HTML 中位数: {raw_ms:.0f} ms，每张 {raw_ms / args.count:.1f} ms")
    log(f"比值: {ratio:.2f}×（目标 ≤ {TARGET}×）{'' if ratio <= TARGET else '  ⚠ 超出目标'}")


if __name__ == "__main__":
    main()
