"""职称系列 as rows: the seed, series/level pairs, the migration's mapping of stored values, and 平台设置 ·
职称系列管理 (operator only, audited, no delete or rename of a series someone holds)."""
import io
import re

from alembic import command
from openpyxl import load_workbook
from sqlalchemy import create_engine, func, inspect, select, text

from cli import alembic_config
from models import AuditEntry, Person, TitleSeries, db
from models.change_requests import _check_person_values
from models.title_series import (IN_USE, LEVEL_REFUSED, NATIONAL, RENAME_IN_USE, UNKNOWN_SERIES, level_refusal,
                                 levels_of, series_names)

from .conftest import Auth
from .helpers import make_account, make_person

URL = "/admin/title-series/"


def page(r):
    return r.get_data(as_text=True)


def operator_client(client):
    Auth(client).login(make_account("客服小周", is_operator=True), user_type="operator")
    return client


def series(name):
    return db.session.scalar(select(TitleSeries).where(TitleSeries.name == name))


def test_the_seed_has_the_27_national_series_then_none_and_other(app):
    names = series_names()
    assert len(NATIONAL) == 27 and len(names) == 29
    assert names[:27] == [n for n, _ in NATIONAL] and names[27:] == ["无", "其他"]
    assert levels_of("中小学教师") == ["正高级", "副高级", "中级", "助理级", "员级"]
    assert levels_of("高等学校教师") == ["正高级", "副高级", "中级", "助理级"]
    assert levels_of("无") == [] and levels_of("其他") == ["正高级", "副高级", "中级", "助理级", "员级"]
    assert levels_of("群众文化") is None


def test_level_refusal(app):
    assert level_refusal("高等学校教师", "员级") == LEVEL_REFUSED == "所选职称系列没有该级别"
    assert level_refusal("高等学校教师", "助理级") is None
    assert level_refusal("无", "中级") == LEVEL_REFUSED
    for name in ("无", "高等学校教师", "审计"):
        assert level_refusal(name, "无") is None  # 无 fits every series
    assert level_refusal("群众文化", "中级") == UNKNOWN_SERIES
    assert level_refusal(None, "中级") is None and level_refusal("会计", None) is None


def test_a_change_request_with_a_level_the_series_lacks_is_refused(app, unit):
    person = make_person(unit.employer, title_series="高等学校教师", title_level="中级")
    db.session.commit()
    for values in ({"title_level": "员级"}, {"title_series": "审计", "title_level": "正高级"}):
        try:
            _check_person_values(person, values)
        except ValueError as e:
            assert str(e) == LEVEL_REFUSED
        else:
            raise AssertionError(values)
    _check_person_values(person, {"title_series": "会计", "title_level": "员级"})  # a pair that exists


def test_a_change_request_cannot_choose_a_disabled_series_but_holders_keep_theirs(app, unit):
    """停用 takes a series out of what may be chosen; a person who holds it still files other changes."""
    person = make_person(unit.employer, title_series="审计", title_level="中级")
    series("审计").active = False
    db.session.commit()
    other = make_person(unit.employer, "王五")
    try:
        _check_person_values(other, {"title_series": "审计"})
    except ValueError as e:
        assert "职称系列的取值无效" in str(e)
    else:
        raise AssertionError("a disabled series was accepted")
    _check_person_values(person, {"phone": "13900001111"})


def test_migration_maps_stored_values_and_adds_the_foreign_key(tmp_path):
    """The revision on a database of its own (SQLite: the batch-mode path) holding today's values."""
    engine = create_engine(f"sqlite:///{tmp_path}/m.sqlite3")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "bcbad7010838")
        for i, value in enumerate(["群众文化", "律师", "工程技术", "不知道什么系列", None]):
            conn.execute(text("INSERT INTO person (id, account_id, org_id, name, id_number, gender, birth_date, "
                              "status, created_at, title_series) VALUES (:i, :i, 1, '某人', :n, '男', '1990-01-01', "
                              "'approved', '2026-01-01 00:00:00', :v)"), {"i": i + 1, "n": f"ID{i}", "v": value})
        command.upgrade(cfg, "d1a2b3c4e5f6")
        got = [r[0] for r in conn.execute(text("SELECT title_series FROM person ORDER BY id"))]
        assert got == ["艺术", "公共法律服务", "工程技术", "其他", None]
        assert conn.execute(text("SELECT count(*) FROM title_series")).scalar() == 29
        fks = inspect(conn).get_foreign_keys("person")
        assert any(fk["referred_table"] == "title_series" and fk["constrained_columns"] == ["title_series"]
                   for fk in fks)
        command.downgrade(cfg, "bcbad7010838")
        assert "title_series" not in inspect(conn).get_table_names()
        assert not any(fk["referred_table"] == "title_series" for fk in inspect(conn).get_foreign_keys("person"))
    engine.dispose()


def test_the_real_schema_points_person_at_the_rows(app):
    fks = inspect(db.engine).get_foreign_keys("person")
    assert any(fk["referred_table"] == "title_series" and fk["referred_columns"] == ["name"] for fk in fks)


def test_non_operators_get_403(app, client, unit):
    Auth(client).login(unit.admin)
    for url in (URL, URL + "new/", f"{URL}edit/?id=1"):
        assert client.get(url).status_code == 403, url
    assert "职称系列管理" not in page(client.get("/admin/"))


def test_operator_adds_a_series_and_every_reader_offers_it(app, client, unit):
    operator_client(client)
    assert "高等学校教师" in page(client.get(URL))
    r = Auth(client).post(URL + "new/", {"name": "党校教师", "levels": ["中级", "正高级", "副高级"], "sort": "265",
                                         "active": "y"}, form_url=URL + "new/", follow_redirects=False)
    assert r.status_code == 302, page(r)
    row = series("党校教师")
    assert row.levels == ["正高级", "副高级", "中级"] and row.active and not row.national  # TITLE_LEVELS order
    assert series_names().index("党校教师") == 27  # after the national ones by sort
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "title_series",
                                                      AuditEntry.entity_id == str(row.id))) is not None
    assert level_refusal("党校教师", "助理级") == LEVEL_REFUSED and level_refusal("党校教师", "中级") is None
    # read per request: the staff query's filter, the registration form and the import template offer it
    Auth(client).logout()
    assert "党校教师" in page(client.get("/register/person")) or "党校教师" in page(client.get("/register"))
    Auth(client).login(unit.admin)
    assert "党校教师" in page(client.get("/admin/staff/"))
    wb = load_workbook(io.BytesIO(client.get("/admin/staff/import/template").data))
    assert "党校教师" in [c.value for row in wb["选项"].iter_rows() for c in row]


def test_duplicates_renames_and_deletes_of_a_series_in_use_are_refused(app, client, unit):
    operator_client(client)
    r = Auth(client).post(URL + "new/", {"name": "会计", "levels": ["中级"], "sort": "1"}, form_url=URL + "new/")
    assert re.search(r'id="name"[^>]*value="会计">\s*<div class="invalid-feedback">\s*<ul[^>]*>\s*<li>已有同名的职称系列</li>',
                     page(r))  # next to the field, not a flash
    assert db.session.scalar(select(func.count()).where(TitleSeries.name == "会计")) == 1
    person = make_person(unit.employer, title_series="审计", title_level="中级")
    db.session.commit()
    audit_id = series("审计").id
    r = Auth(client).post(f"{URL}edit/?id={audit_id}", {"name": "审计师", "levels": ["中级"], "sort": "1",
                                                        "active": "y"}, form_url=f"{URL}edit/?id={audit_id}")
    assert re.search(r'id="name"[^>]*value="审计师">\s*<div class="invalid-feedback">\s*<ul[^>]*>\s*<li>'
                     + re.escape(RENAME_IN_USE), page(r))
    db.session.expire_all()
    assert series("审计") is not None and person.title_series == "审计"
    r = Auth(client).post(URL + "delete/", {"id": str(audit_id)}, form_url=URL, follow_redirects=True)
    assert IN_USE in page(r)
    assert series("审计") is not None
    # edit levels/sort/active of the same series: allowed, and 停用 hides it from the pick lists only
    r = Auth(client).post(f"{URL}edit/?id={audit_id}", {"name": "审计", "levels": ["副高级", "中级"], "sort": "5"},
                          form_url=f"{URL}edit/?id={audit_id}", follow_redirects=False)
    assert r.status_code == 302, page(r)
    db.session.expire_all()
    row = series("审计")
    assert row.levels == ["副高级", "中级"] and row.sort == 5 and not row.active
    assert "审计" not in series_names() and "审计" in series_names(active_only=False)
    # a series nobody holds may go
    unused = series("船舶技术").id
    r = Auth(client).post(URL + "delete/", {"id": str(unused)}, form_url=URL, follow_redirects=False)
    assert r.status_code == 302
    db.session.expire_all()
    assert series("船舶技术") is None
