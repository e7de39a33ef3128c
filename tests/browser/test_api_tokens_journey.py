"""接口令牌 in the browser: a unit's super admin is told what is missing next to the field, creates a token whose
secret is shown once, and the list shows it without the secret; another unit's token never appears."""
from playwright.sync_api import expect

from models import db

from ..api.conftest import make_token
from ..helpers import make_admin, make_org
from .steps import login


def test_a_super_admin_creates_a_token_and_sees_its_secret_once(page, live_server, shot):
    city = make_org("济南市人力资源和社会保障局", kind="supervisor")
    unit = make_org("济南示范科技有限公司", parent=city)
    other = make_org("青岛示范科技有限公司", parent=city)
    admin = make_admin(unit, "王管理")
    make_token(other, make_admin(other, "李外人"), name="乙单位系统")
    db.session.commit()

    login(page, admin.id_number)
    page.goto("/admin/api-tokens/new/")
    page.get_by_role("button", name="创建").click()
    expect(page.locator(".invalid-feedback, .text-danger").first).to_be_visible()
    shot("refused")

    page.get_by_label("令牌名称").fill("人事系统")
    page.locator("input[name=scopes]").first.check()
    page.get_by_label("有效期至").fill("2027-06-30")
    page.get_by_role("button", name="创建").click()
    secret = page.locator("code").first.inner_text()
    assert len(secret) >= 30
    shot("secret-once")

    page.goto("/admin/api-tokens/")
    expect(page.get_by_text("人事系统")).to_be_visible()
    assert secret not in page.content()
    assert "乙单位系统" not in page.content()
    shot("list")
