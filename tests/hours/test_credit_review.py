"""学时审核 (F25): the org's own queue, the 条件查询, bulk 通过 / 驳回 / 删除记录 on checked rows or every row matching,
the yearly cap in the summary, details with the trail, and the refusals (another unit's record, no permission)."""
from datetime import date
from decimal import Decimal

import pytest

from models import AuditEntry, CreditRecord, db
from models.hours.catalogue import seed_catalogue

from ..helpers import csrf_token, make_admin, make_org, make_person, make_role, response_text
from ..querycount import count_queries
from .credit_data import base_declares, person_declares, unit_declares

URL = "/admin/hours/review/"
NAME_FILTER = "flt0_4"


@pytest.fixture
def queue(unit):
    """The employer's queue: two own staff declared for themselves, one by a training base, one by the branch.
    Records the employer itself declared go to the city, another unit's to that unit."""
    seed_catalogue()
    db.session.commit()
    a, b = make_person(unit.employer, "张甲"), make_person(unit.employer, "李乙")
    c = make_person(unit.branch, "王丙")
    stranger = make_person(unit.other, "赵外")
    base = make_org("示范继续教育基地", kind="base", parent=unit.province)
    base_admin = make_admin(base, "基地管理员")
    ids = {"a": person_declares(a, unit.employer, 10), "b": person_declares(b, unit.employer, 20),
           "base": base_declares(base, base_admin, a, 8), "branch": unit_declares(unit, unit.branch, [c], 6)[0],
           "to_city": unit_declares(unit, unit.employer, [a], 5)[0],
           "other": person_declares(stranger, unit.other, 7)}
    return type("Queue", (), dict(ids=ids, a=a, b=b, c=c, base=base, base_admin=base_admin))


def act(auth, action, ids=(), reason=None, query="", **extra):
    data = {"action": action, "rowid": [str(i) for i in ids], "url": URL, **extra}
    if reason is not None:
        data["reason"] = reason
    return auth.post(f"{URL}action/{query}", data, form_url=URL, follow_redirects=True)


def statuses():
    db.session.expire_all()
    return {r.id: r.status for r in CreditRecord.query}


def test_the_queue_is_the_orgs_own_pending_records(auth, client, unit, queue):
    auth.login(unit.admin)
    page = response_text(client.get(URL))
    assert "学时审核" in page and "待审核（4）" in page
    for name in ("张甲", "李乙", "王丙"):
        assert name in page
    assert "赵外" not in page and "继续教育基地申报" in page
    # The employer's own declaration waits at the city, not here.
    city = make_admin(unit.city, "市审核员")
    auth.logout()
    auth.login(city, user_type="supervisor")
    page = response_text(client.get(URL))
    assert "待审核（1）" in page and "张甲" in page and "李乙" not in page


def test_filters_narrow_the_queue(auth, client, unit, queue):
    auth.login(unit.admin)
    page = response_text(client.get(f"{URL}?{NAME_FILTER}=张"))
    assert "张甲" in page and "李乙" not in page
    page = response_text(client.get(URL + "?flt0_7=base"))
    assert "待审核（1）" in page
    page = response_text(client.get(URL + "?flt0_3=济南示范科技有限公司历下"))
    assert "王丙" in page and "张甲" not in page
    page = response_text(client.get(URL + "?flt0_0=2025"))
    assert "待审核（0）" in page
    page = response_text(client.get(URL + "?flt0_6=2026-04-01+to+2026-04-30"))
    assert "待审核（2）" in page
    # Another unit's name matches nothing here: the 单位 filter stays inside the subtree.
    assert "待审核（0）" in response_text(client.get(URL + "?flt0_3=青岛"))
    assert "已通过（0）" in response_text(client.get(URL + "?tab=approved"))


def test_bulk_approve_and_reject(auth, client, unit, queue):
    auth.login(unit.admin)
    ids = queue.ids
    page = response_text(act(auth, "approve", [ids["a"], ids["b"]]))
    assert "已通过 2 条" in page
    got = statuses()
    assert got[ids["a"]] == got[ids["b"]] == "approved" and got[ids["base"]] == "pending"
    assert AuditEntry.query.filter_by(entity="credit_record", action="approve").count() == 2
    page = response_text(act(auth, "reject", [ids["base"]], reason=""))
    assert "驳回" in page and statuses()[ids["base"]] == "pending"
    page = response_text(act(auth, "reject", [ids["base"], ids["a"]], reason="证明材料不清晰"))
    assert "已驳回 1 条" in page and "已被他人审核 1 条" in page
    record = db.session.get(CreditRecord, ids["base"])
    assert record.status == "rejected" and record.reject_reason == "证明材料不清晰"


def test_another_units_rows_are_skipped_and_their_details_are_404(auth, client, unit, queue):
    auth.login(unit.admin)
    page = response_text(act(auth, "approve", [queue.ids["other"], queue.ids["to_city"]]))
    assert "不存在或不在管理范围内 2 条" in page
    got = statuses()
    assert got[queue.ids["other"]] == got[queue.ids["to_city"]] == "pending"
    assert client.get(f"{URL}details/?id={queue.ids['other']}").status_code == 404
    assert client.get(f"{URL}details/?id={queue.ids['to_city']}").status_code == 404
    assert client.get(f"{URL}details/?id=abc").status_code == 404


def test_select_all_acts_on_every_row_matching_the_filter(auth, client, unit, queue):
    auth.login(unit.admin)
    page = response_text(act(auth, "approve", select_all="1", expected="2", query=f"?{NAME_FILTER}=%E5%BC%A0"))
    assert "已通过 2 条" in page
    got = statuses()
    assert got[queue.ids["a"]] == got[queue.ids["base"]] == "approved"
    assert got[queue.ids["b"]] == got[queue.ids["branch"]] == "pending"


def test_the_yearly_cap_clips_and_refuses_in_the_summary(auth, client, unit, queue):
    auth.login(unit.admin)
    a = queue.a
    more = [person_declares(a, unit.employer, 20, day=date(2026, 6, m)) for m in (1, 2)]
    # 张甲 has 10 + 8 + 20 + 20 pending of 其他 (40 a year): 10, 8, 20 fit, then 2 of the last.
    page = response_text(act(auth, "approve", [queue.ids["a"], queue.ids["base"], *more]))
    assert "已通过 4 条" in page and "按该学习形式本年度上限核减为 2 学时" in page
    assert db.session.get(CreditRecord, more[1]).approved_hours == Decimal("2.0")
    extra = person_declares(a, unit.employer, 5, day=date(2026, 7, 1))
    page = response_text(act(auth, "approve", [extra]))
    assert "已达该学习形式本年度上限（40 学时），未通过" in page and statuses()[extra] == "pending"


def test_delete_needs_a_reason_and_is_audited(auth, client, unit, queue):
    auth.login(unit.admin)
    rid = queue.ids["b"]
    page = response_text(act(auth, "remove", [rid], reason="  "))
    assert "删除学时记录必须填写删除原因" in page and db.session.get(CreditRecord, rid) is not None
    page = response_text(act(auth, "remove", [rid, queue.ids["other"]], reason="重复申报"))
    assert "已删除 1 条" in page and db.session.get(CreditRecord, rid) is None
    assert db.session.get(CreditRecord, queue.ids["other"]) is not None
    entry = AuditEntry.query.filter_by(entity="credit_record", action="delete").one()
    assert entry.entity_id == str(rid) and entry.reason == "重复申报"
    # Twice: the second finds nothing of its own to delete.
    page = response_text(act(auth, "remove", [rid], reason="重复申报"))
    assert "已删除 0 条" in page and AuditEntry.query.filter_by(action="delete", entity="credit_record").count() == 1


def test_details_show_the_declaration_and_the_trail(auth, client, unit, queue):
    auth.login(unit.admin)
    rid = queue.ids["a"]
    page = response_text(client.get(f"{URL}details/?id={rid}"))
    assert "逐条查看" in page and "线上课程" in page and "个人学习" in page and queue.a.id_number in page
    assert "未上传证明材料" in page and "申报" in page and 'value="approve"' in page
    response = client.post(f"{URL}action/", data={"csrf_token": csrf_token(page), "action": "reject", "rowid": rid,
                                                 "reason": "学时不实", "url": URL}, follow_redirects=True)
    assert "已驳回 1 条" in response_text(response)
    page = response_text(client.get(f"{URL}details/?id={rid}"))
    assert "驳回" in page and "学时不实" in page and 'value="approve"' not in page and "删除记录" in page


def test_permission_and_org_kind_are_required(auth, client, unit, queue):
    clerk = make_admin(unit.employer, "无权限", is_super=False, role=make_role(unit.employer, "申报员",
                                                                              ["hours.declare"]))
    auth.login(clerk)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}details/?id={queue.ids['a']}").status_code == 403
    response = act(auth, "approve", [queue.ids["a"]])
    assert response.status_code == 403 and statuses()[queue.ids["a"]] == "pending"
    auth.logout()
    auth.login(queue.base_admin, user_type="base")
    assert client.get(URL).status_code == 403


def test_a_post_without_csrf_token_is_refused(auth, client, unit, queue):
    auth.login(unit.admin)
    response = client.post(f"{URL}action/", data={"action": "approve", "rowid": queue.ids["a"], "url": URL})
    assert response.status_code == 400 and statuses()[queue.ids["a"]] == "pending"


def test_list_query_count_does_not_grow_with_rows(auth, client, unit, queue):
    auth.login(unit.admin)
    client.get(URL)
    with count_queries() as few:
        client.get(URL)
    people = [make_person(unit.branch, f"批量{i}") for i in range(15)]
    unit_declares(unit, unit.branch, people, 3)
    with count_queries() as many:
        assert "待审核（19）" in response_text(client.get(URL))
    assert len(many) == len(few)


def test_export_holds_the_filtered_queue(auth, client, unit, queue):
    auth.login(unit.admin)
    response = client.get(f"{URL}export.xlsx?{NAME_FILTER}=李")
    text = response_text(response)
    assert response.status_code == 200 and "李乙" in text and "张甲" not in text and "认定结果" in text
