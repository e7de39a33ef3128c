"""审计日志 in the browser: the operator reads the log grouped per request, opens a bulk approve, previews its 撤回
(one field changed since is skipped), is told the reason is missing next to the field, and reverts."""
import uuid

from flask import current_app, g
from playwright.sync_api import expect

from models import Person, audit, db

from ..helpers import make_account, make_org, make_person
from .steps import login, submit


def as_request(write, name="王管理", org=None):
    with current_app.test_request_context("/admin/"):
        g.request_id = uuid.uuid4().hex
        g.actor = {"id": None, "name": name, "org_id": org.id if org else None,
                   "org_name": org.name if org else None, "role": "单位管理员"}
        write()
        db.session.commit()
        return g.request_id


def test_operator_reverts_a_request(page, shot, app):
    org = make_org("济南市第一人民医院")
    people = [make_person(org, name, major="临床医学", admin_post="无") for name in ("张医生", "李医生", "王医生")]

    def edit():
        for p in people:
            p = db.session.get(Person, p.id)
            assert p.major == "临床医学"
            p.major, p.admin_post = "护理学", "护士长"
    rid = as_request(edit, org=org)

    def later():
        p = db.session.get(Person, people[0].id)
        assert p.major == "护理学"
        p.major = "药学"
    as_request(later, name="赵科长", org=org)
    as_request(lambda: audit.record_bulk("credit_record", "approve", [
        (i, {"status": {"before": "pending", "after": "approved"}}) for i in range(1, 301)]), org=org)
    operator = make_account("周敏", is_operator=True)
    db.session.commit()

    login(page, operator.id_number, user_type="平台运维")
    page.goto(f"/admin/audit/requests/?actor_org={org.id}")
    expect(page.locator("#audit-groups")).to_contain_text("共 300 条")
    shot("grouped")
    page.locator(f"a[href$='request/{rid}']").first.click()
    expect(page.get_by_text("人员 · 修改 3 条")).to_be_visible()
    shot("request")
    page.locator("#revert-link").click()
    expect(page.locator("#revert-changed")).to_contain_text("此后已被再次修改")
    expect(page.locator("#revert-changed")).to_contain_text("张医生")
    shot("preview")
    submit(page, "确认撤回")
    expect(page.locator("#reason-error")).to_have_text("请填写撤回原因")
    shot("reason-missing")
    page.get_by_label("撤回原因").fill("批量修改选错了人员，恢复原值")
    submit(page, "确认撤回")
    expect(page.get_by_role("alert").first).to_contain_text("已撤回 5 项修改，1 项此后已被再次修改，已跳过")
    shot("reverted")
    db.session.expire_all()
    assert [db.session.get(Person, p.id).major for p in people] == ["药学", "临床医学", "临床医学"]
