"""Every SQL statement of a few admin pages, timed by the database itself (EXPLAIN ANALYZE), at scale.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.list_sql [--plans] [URL ...]

Logs in as the demo province admin (or --id-number / --user-type), fetches each page through the test client,
and prints per page: the number of statements, the database time of each (EXPLAIN ANALYZE execution time) and
the slowest one. PostgreSQL only (EXPLAIN ANALYZE); the pages are only read.
"""
import argparse
import re

from flask.testing import FlaskClient
from sqlalchemy import event

from app import create_app
from models import db

PAGES = [
    "/admin/",
    "/admin/todo.json",
    "/admin/staff/",
    "/admin/staff/?search=%E5%BC%A0",
    "/admin/staff/?search=370103",
    "/admin/staff/?page=400",
    "/admin/audit/",
    "/admin/person_registration_done/",
    "/admin/transfer_records/",
    "/admin/transfer_records_out/",
]


class RequestClient(FlaskClient):
    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def login(client, user_type, id_number, password):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"csrf_token": token, "user_type": user_type, "id_number": id_number,
                                    "password": password})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]


def explain(statement, parameters):
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
        conn.rollback()
    plan = "\n".join(r[0] for r in rows)
    ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
    return ms, plan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("urls", nargs="*")
    parser.add_argument("--plans", action="store_true", help="print the plan of each page's slowest statement")
    parser.add_argument("--user-type", default="supervisor")
    parser.add_argument("--id-number", default="370103198404126131")
    parser.add_argument("--password", default="Demo1234")
    args = parser.parse_args()
    app = create_app()
    app.test_client_class = RequestClient
    client = app.test_client()
    login(client, args.user_type, args.id_number, args.password)
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
        total_all = 0.0
        for url in args.urls or PAGES:
            client.get(url)  # warm caches and compiled statements
            statements.clear()
            status = client.get(url).status_code
            captured = list(statements)
            event.remove(db.engine, "before_cursor_execute", before)
            timed = [(*explain(s, p), s) for s, p in captured if s.lstrip().upper().startswith("SELECT")]
            event.listen(db.engine, "before_cursor_execute", before)
            total = sum(t[0] for t in timed)
            total_all += total
            slow = max(timed, key=lambda t: t[0]) if timed else (0, "", "")
            print(f"{url}  HTTP {status}  {len(captured)} statements  db {total:.2f} ms  "
                  f"slowest {slow[0]:.2f} ms  [{', '.join(f'{t[0]:.2f}' for t in timed)}]", flush=True)
            if args.plans and slow[1]:
                print("   " + re.sub(r"\s+", " ", slow[2])[:600])
                print("\n".join("   " + line for line in slow[1].splitlines()))


if __name__ == "__main__":
    main()
