"""F7: 待办事项 refreshes its counts every 30 s without reloading the page."""
from playwright.sync_api import expect

from models import db

from ..helpers import make_admin, make_org, make_person
from .steps import login


def test_counts_refresh_without_reload(page, shot):
    city = make_org("济南市人力资源和社会保障局", kind="supervisor")
    unit = make_org("济南示范科技有限公司", parent=city)
    admin = make_admin(unit, "王管理")
    make_person(unit, "甲待审", status="pending")
    db.session.commit()

    page.clock.install()
    login(page, admin.id_number)
    card = page.locator('[data-key="person_registration"] .count')
    expect(card).to_have_text("1")
    page.evaluate("window.__same_document = true")

    make_person(unit, "乙待审", status="pending")
    db.session.commit()
    page.clock.run_for(29_000)
    expect(card).to_have_text("1")
    page.clock.run_for(2_000)
    expect(card).to_have_text("2")
    assert page.evaluate("window.__same_document") is True, "the page was reloaded"
    shot("refreshed")
