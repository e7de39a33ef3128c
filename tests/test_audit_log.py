"""审计日志 (F31): a record's 变更历史, the log grouped per request, filters, export."""
from flask import current_app, render_template_string
from sqlalchemy import select

from models import AuditEntry, db
from models import audit
from models.audit_history import history
from tests.helpers import make_account, make_org, make_person
from tests.querycount import count_queries

def render(rows):
    with current_app.test_request_context("/admin/"):
        return render_template_string(MACRO, rows=rows)


MACRO = "{% from 'admin/audit_history.html' import audit_history %}{{ audit_history(rows) }}"


def test_history_newest_first_with_labels_and_limit(app):
    org = make_org("历史单位")
    person = make_person(org, "历史人")
    for n in range(3):
        assert person.major != f"专业{n}"  # loaded: an expired attribute's old value is not known to the flush
        person.major = f"专业{n}"
        db.session.commit()
    other = make_person(org, "别人")
    other.major = "不该出现"
    db.session.commit()
    rows = history([("person", person.id)], limit=2)
    assert [r.fields[0].after for r in rows] == ["专业2", "专业1"]
    assert rows[0].fields[0].label == "所学专业" and rows[0].fields[0].before == "专业1"
    assert rows[0].action_label == "修改" and rows[0].entity_label == "人员"
    everything = history([("person", person.id), ("account", person.account_id)], limit=50)
    expected = db.session.scalars(select(AuditEntry.id).where(
        ((AuditEntry.entity == "person") & (AuditEntry.entity_id == str(person.id)))
        | ((AuditEntry.entity == "account") & (AuditEntry.entity_id == str(person.account_id))))
        .order_by(AuditEntry.id.desc())).all()
    assert [r.id for r in everything] == expected
    assert {r.entity for r in everything} == {"person", "account"}
    pairs = [("person", person.id), ("account", person.account_id), ("organization", org.id)]
    with count_queries() as statements:
        history(pairs)
    assert len(statements) == 1


def test_history_macro_masks_passwords(app):
    account = make_account("密码人")
    assert not account.disabled
    account.set_password("Another99x")
    account.disabled = True
    db.session.commit()
    rows = history([("account", account.id)])
    html = render(rows)
    assert "已修改（内容不显示）" in html and "密码" in html
    assert account.password_hash not in html and "***" not in html
    assert "停用" in html and "<ins>是</ins>" in html
    assert render([]).strip().endswith("</p>")


def test_history_reason_and_explicit_events(app):
    org = make_org("原因单位")
    with audit.reason("电话核实后更正"):
        assert org.address is None
        org.address = "新地址"
    db.session.commit()
    audit.record("organization", org.id, "disable", {"status": {"before": "approved", "after": "disabled"}}, "测试")
    db.session.commit()
    rows = history([("organization", org.id)])
    assert rows[0].action_label == "停用" and rows[0].fields[0].after == "已停用" and rows[0].reason == "测试"
    assert rows[1].reason == "电话核实后更正" and rows[1].fields[0].label == "单位地址"


# -- the log grouped per request -----------------------------------------------------------------------------
import io  # noqa: E402
import re  # noqa: E402
import uuid  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from flask import g  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from tests.conftest import Auth  # noqa: E402

GROUPED = "/admin/audit/requests/"


@contextmanager
def as_request(name="客服小周", org=None, rid=None):
    rid = rid or uuid.uuid4().hex
    with current_app.test_request_context("/admin/"):
        g.request_id = rid
        g.actor = {"id": None, "name": name, "org_id": org.id if org else None,
                   "org_name": org.name if org else None, "role": "管理员"}
        yield rid
        db.session.commit()


def bulk(n, entity="credit_record", action="approve", **kw):
    with as_request(**kw) as rid:
        audit.record_bulk(entity, action, [(i, {"status": {"before": "pending", "after": "approved"}})
                                           for i in range(1, n + 1)])
    return rid


def operator(client):
    Auth(client).login(make_account("客服小周", is_operator=True), user_type="operator")


def test_a_bulk_request_is_one_line_that_opens_paged(client, unit):
    big = bulk(120, org=unit.employer)
    single = bulk(1, entity="person", action="update", name="孙操作", org=unit.employer)
    operator(client)
    page = client.get(GROUPED, query_string={"actor_org": unit.employer.id}).get_data(as_text=True)
    assert page.count('class="audit-group"') == 2
    assert "共 120 条" in page and "1 条" in page and "孙操作" in page
    assert page.index(single) < page.index(big)  # newest first
    detail = client.get(f"{GROUPED}request/{big}").get_data(as_text=True)
    assert "学时记录 · 审核通过 120 条" in detail and detail.count("<del>待审核</del>") == 50
    assert 'id="audit-next"' in detail
    last = db.session.scalars(select(AuditEntry.id).where(AuditEntry.request_id == big)
                              .order_by(AuditEntry.id).limit(100)).all()[-1]
    third = client.get(f"{GROUPED}request/{big}?after={last}").get_data(as_text=True)
    assert third.count("<del>待审核</del>") == 20 and 'id="audit-next"' not in third


def test_interleaved_requests_are_never_lost_and_pages_follow(client, unit):
    first = bulk(5, name="批量员")
    rids = [bulk(1, entity="person", action="update", name="批量员") for _ in range(25)]
    operator(client)
    page = client.get(GROUPED, query_string={"actor": "批量员"}).get_data(as_text=True)
    assert page.count('class="audit-group"') == 20 and 'id="audit-next"' in page
    assert [r for r in rids if r in page] == rids[5:]
    nxt = page.split('id="audit-next" href="')[1].split('"')[0].replace("&amp;", "&")
    rest = client.get(nxt).get_data(as_text=True)
    assert rest.count('class="audit-group"') == 6 and "共 5 条" in rest and first in rest
    assert 'id="audit-next"' not in rest


def test_a_request_interleaved_with_another_shows_twice(client, unit):
    a = bulk(3, name="交错员")
    b = bulk(1, entity="person", action="update", name="交错员")
    bulk(4, name="交错员", rid=a)  # the same request writes again after another one did
    operator(client)
    page = client.get(GROUPED, query_string={"actor": "交错员"}).get_data(as_text=True)
    assert page.count('class="audit-group"') == 3
    assert page.count(f"request/{a}") == 2 and "共 4 条" in page and "共 3 条" in page and b in page


def test_query_count_does_not_grow_with_a_request(client, unit):
    from tests.querycount import count_queries
    operator(client)
    small = [bulk(1, name="计数员"), bulk(3, name="计数员"), bulk(1, name="计数员")]
    client.get(GROUPED, query_string={"actor": "计数员"})
    with count_queries() as few:
        page = client.get(GROUPED, query_string={"actor": "计数员"}).get_data(as_text=True)
    assert all(r in page for r in small)
    bulk(1, name="计数二"), bulk(400, name="计数二"), bulk(1, name="计数二")
    with count_queries() as many:
        page = client.get(GROUPED, query_string={"actor": "计数二"}).get_data(as_text=True)
    assert "共 400 条" in page and page.count('class="audit-group"') == 3
    assert len(many) == len(few)


def test_filters(client, unit):
    approve = bulk(3, org=unit.employer, name="王管理")
    other = bulk(2, entity="person", action="update", org=unit.other, name="赵管理")
    operator(client)
    def lines(**args):
        return client.get(GROUPED, query_string=args).get_data(as_text=True)
    assert approve in lines(entity="credit_record") and other not in lines(entity="credit_record")
    assert other in lines(entity="person", entity_id="2") and approve not in lines(entity="person", entity_id="2")
    assert other in lines(actor="赵") and approve not in lines(actor="赵")
    assert approve in lines(actor_org=unit.employer.id) and other not in lines(actor_org=unit.employer.id)
    assert approve in lines(action="approve") and other not in lines(action="approve")
    assert approve in lines(request_id=approve) and other not in lines(request_id=approve)
    today = db.session.scalar(select(AuditEntry.created_at).limit(1)).date().isoformat()
    assert approve in lines(start=today, end=today) and "没有符合条件" in lines(end="2000-01-01")
    bad = lines(start="2026-13-01", actor_org="x", entity="nope", entity_id="1")
    assert "日期格式不正确" in bad and "操作人单位编号应为数字" in bad and "筛选条件的取值无效" in bad
    assert approve in bad  # bad values dropped, the rest of the log shown
    assert "按对象编号筛选时请同时选择对象类型" in lines(entity_id="1")


def test_scoped_to_the_admins_subtree(client, unit):
    own = bulk(2, org=unit.branch, name="分公司")
    theirs = bulk(2, org=unit.other, name="赵管理")
    none = bulk(2)
    Auth(client).login(unit.admin)
    page = client.get(GROUPED).get_data(as_text=True)
    assert own in page and theirs not in page and none not in page
    assert client.get(f"{GROUPED}request/{theirs}").status_code == 404
    assert 'id="revert-link"' not in client.get(f"{GROUPED}request/{own}").get_data(as_text=True)


def test_export_of_the_filtered_log(client, unit):
    rid = bulk(3, org=unit.employer)
    bulk(2, entity="person", action="update")
    operator(client)
    page = client.get(GROUPED, query_string={"request_id": rid}).get_data(as_text=True)
    url = page.split('id="export-xlsx" href="')[1].split('"')[0].replace("&amp;", "&")
    response = client.get(url)
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert sum(1 for r in rows if rid in [str(v) for v in r]) == 3
    assert not any("person" == r[5] for r in rows if r)


def test_details_show_labelled_diffs_and_masks(client, unit):
    account = make_account("密码人")
    with as_request():
        a = db.session.get(type(account), account.id)
        assert not a.disabled
        a.set_password("Another99x")
        a.disabled = True
    operator(client)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "account",
                                                        AuditEntry.action == "update")).one()
    page = client.get(f"/admin/audit/details/?id={entry.id}").get_data(as_text=True)
    assert "已修改（内容不显示）" in page and "***" not in page and "<strong>停用</strong>" in page
    assert f"/admin/audit/requests/request/{entry.request_id}" in page


def test_long_runs_are_measured_in_steps_and_resumed_on_the_next_page(client, unit, monkeypatch):
    from models import audit_history
    monkeypatch.setattr(audit_history, "RUN_CHUNK", 7)
    a = bulk(25, name="长批量")
    b = bulk(1, entity="person", action="update", name="长批量")
    bulk(9, name="长批量", rid=a)
    operator(client)
    page = client.get(GROUPED, query_string={"actor": "长批量"}).get_data(as_text=True)
    assert page.count('class="audit-group"') == 3 and "共 9 条" in page and "共 25 条" in page and b in page
    monkeypatch.setattr(audit_history, "PAGE_BUDGET", 10)
    page = client.get(GROUPED, query_string={"actor": "长批量"}).get_data(as_text=True)
    assert page.count('class="audit-group"') == 2 and "共 9 条" in page and "共 1 条" not in page
    # the budget ends a page inside request a's long run ("N+"); the following pages resume it, nothing lost
    seen, html, pages = 0, page, 1
    while True:
        seen += sum(int(n.replace(",", "")) for n in re.findall(r'">(?:共 )?([\d,]+)\+? 条', html))
        if 'id="audit-next"' not in html:
            break
        nxt = html.split('id="audit-next" href="')[1].split('"')[0].replace("&amp;", "&")
        html, pages = client.get(nxt).get_data(as_text=True), pages + 1
        assert "+ 条" in html or pages > 2
    assert seen == 9 + 1 + 25 and pages == 3


def test_flat_list_org_filter_and_days(client, unit):
    rid = bulk(2, org=unit.employer)
    operator(client)
    from admin_views.audit_log import AuditLogView
    view = next(v for v in current_app.extensions["admin"][0]._views if isinstance(v, AuditLogView))
    key = next(k for k, (_, f) in view._filter_args.items() if getattr(f.column, "key", "") == "actor_org_id")
    day = next(k for k, (_, f) in view._filter_args.items() if getattr(f.column, "key", "") == "created_at")
    assert client.get(f"/admin/audit/?flt0_{key}=x").status_code == 200
    page = client.get(f"/admin/audit/?flt0_{key}={unit.employer.id}").get_data(as_text=True)
    assert len(re.findall(r'class="col-entity">\s*学时记录\s*<', page)) == 2
    today = db.session.scalar(select(AuditEntry.created_at).where(AuditEntry.request_id == rid).limit(1)).date()
    page = client.get(f"/admin/audit/?flt0_{key}={unit.employer.id}&flt1_{day}={today} to {today}").get_data(as_text=True)
    assert len(re.findall(r'class="col-entity">\s*学时记录\s*<', page)) == 2
