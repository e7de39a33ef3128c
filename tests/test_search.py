"""List search is a prefix search through an index (issue #8): every view's search, from the scoped base."""
import json
import re
from contextlib import contextmanager
from html import unescape

from sqlalchemy import event, insert, text

from demo.ids import id_number
from models import Account, Person, db, now
from models.validators import birth_date_of, gender_of

from .helpers import make_person, next_seq


def names_listed(client, url):
    r = client.get(url)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    return page, {p.name for p in Person.query.all() if f">{p.name}<" in page.replace("\n", "").replace(" ", "")}


def add_persons(org, n, name="批量", status="approved"):
    """``n`` approved staff in ``org`` in two statements: enough rows for the planner to prefer an index."""
    t = now()
    numbers = [id_number(next_seq() + 5_000_000) for _ in range(n)]
    ids = dict(db.session.execute(insert(Account.__table__).returning(Account.id_number, Account.id), [
        {"id_number": i, "name": f"{name}{k}", "password_hash": "x", "is_operator": False, "disabled": False,
         "must_change_password": False, "session_version": 1, "failed_logins": 0, "created_at": t}
        for k, i in enumerate(numbers)]).all())
    db.session.execute(insert(Person.__table__), [
        {"account_id": ids[i], "org_id": org.id, "name": f"{name}{k:05d}", "id_number": i, "gender": gender_of(i),
         "birth_date": birth_date_of(i), "status": status, "created_at": t} for k, i in enumerate(numbers)])
    db.session.commit()


def test_search_matches_names_and_id_numbers_from_their_start(auth, client, unit):
    auth.login(unit.admin)
    zhang = make_person(unit.employer, "张三丰")
    make_person(unit.employer, "李张三")
    page, listed = names_listed(client, "/admin/staff/?search=张三")
    assert listed == {"张三丰"}
    assert "姓名或身份证号（从开头匹配）" in unescape(page)

    assert names_listed(client, f"/admin/staff/?search={zhang.id_number[:10]}")[1] == {"张三丰"}
    assert names_listed(client, f"/admin/staff/?search={zhang.id_number}")[1] == {"张三丰"}
    assert names_listed(client, f"/admin/staff/?search={zhang.id_number[4:12]}")[1] == set()


def test_search_words_must_all_match_and_x_matches_either_case(auth, client, unit):
    auth.login(unit.admin)
    x = make_person(unit.employer, "王五")
    make_person(unit.employer, "王六")
    assert names_listed(client, f"/admin/staff/?search=王+{x.id_number[:2]}")[1] == {"王五", "王六"}
    assert names_listed(client, "/admin/staff/?search=王+王五")[1] == {"王五"}
    x.id_number = x.id_number[:17] + "X"
    db.session.commit()
    assert names_listed(client, f"/admin/staff/?search={x.id_number[:17]}x")[1] == {"王五"}


def test_search_takes_percent_underscore_and_backslash_literally(auth, client, unit):
    auth.login(unit.admin)
    for name in ("赵_一", "赵二一", "钱%", "钱多多", "孙\\一", "孙二"):
        make_person(unit.employer, name)
    assert names_listed(client, "/admin/staff/?search=赵_")[1] == {"赵_一"}
    assert names_listed(client, "/admin/staff/?search=钱%25")[1] == {"钱%"}
    assert names_listed(client, "/admin/staff/?search=%25")[1] == set()
    assert names_listed(client, "/admin/staff/?search=_")[1] == set()
    assert names_listed(client, "/admin/staff/?search=孙%5C")[1] == {"孙\\一"}


def test_name_filter_is_a_prefix_too(auth, client, unit):
    auth.login(unit.admin)
    make_person(unit.employer, "周一")
    make_person(unit.employer, "大周一")
    page = client.get("/admin/staff/").get_data(as_text=True)
    groups = json.loads(re.search(r'<div id="filter-groups-data"[^>]*>(.*?)</div>', page).group(1))
    assert [(f["index"], f["operation"]) for f in groups["姓名"]] == [(0, "开头是")]
    assert names_listed(client, "/admin/staff/?flt0_0=周")[1] == {"周一"}


@contextmanager
def statements_with_parameters():
    captured = []

    def before(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield captured
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _plan(statement, parameters):
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            return "\n".join(r[0] for r in rows)
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return "\n".join(str(r[-1]) for r in rows)


def test_search_is_answered_by_an_index(auth, client, unit):
    """The planner's own choice (no enable_seqscan games) with a few thousand rows and fresh statistics."""
    add_persons(unit.employer, 3000)
    ouyang = make_person(unit.employer, "欧阳修")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    auth.login(unit.admin)
    postgresql = db.engine.dialect.name == "postgresql"
    for term, index in (("欧阳", "ix_person_name_prefix" if postgresql else "ix_person_name"),
                        (ouyang.id_number[:14], "ix_person_id_number_prefix" if postgresql else "sqlite_autoindex_person")):
        with statements_with_parameters() as captured:
            assert client.get(f"/admin/staff/?search={term}").status_code == 200
        searches = [(s, p) for s, p in captured if "FROM person" in s and ("LIKE" in s or "< " in s)]
        assert len(searches) == 2, "the page's list and count queries search person"
        for statement, parameters in searches:
            plan = _plan(statement, parameters)
            assert index in plan, plan
