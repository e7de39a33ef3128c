"""运维工作台 · 360° pages (F32): what a person's, a unit's and an account's page show, checked against SQL written
here; the 变更历史 read from the audit log with masked fields never shown; 404 for unknown ids; 403 for unit admins;
query counts that do not grow with the rows; the 处理 card linking to the fix pages only where they exist."""
import re

import pytest
from sqlalchemy import text

from models import Account, Person, audit, db
from models.hours.catalogue import PUBLIC

from ..helpers import make_admin, make_org, make_person
from ..querycount import count_queries
from .conftest import give


def person_page(client, person_id):
    return client.get(f"/admin/workbench/person/{person_id}")


def test_person_page_shows_account_unit_memberships_and_more(client, operator, li, unit):
    r = person_page(client, li.id)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert li.id_number in html and "心血管内科" in html
    assert f"/admin/workbench/unit/{unit.employer.id}" in html
    assert "已锁定" in re.search(r'id="account-lock">(.*?)</td>', html, re.S).group(1)
    assert li.account.last_login_at.strftime("%Y-%m-%d %H:%M") in html
    memberships = re.search(r'<table class="table table-bordered table-sm memberships">(.*?)</table>', html, re.S)
    assert unit.branch.name in memberships.group(1) and "学时审核员" in memberships.group(1)
    # Change request, transfer, certificate.
    assert "副高级" in re.search(r'class="table table-bordered table-sm change-requests">(.*?)</table>', html,
                                 re.S).group(1)
    transfers = re.search(r'class="table table-bordered table-sm transfers">(.*?)</table>', html, re.S).group(1)
    assert unit.other.name in transfers and "待调出审核" in transfers
    number = db.session.scalar(text("SELECT number FROM certificate WHERE person_id = :p"), {"p": li.id})
    assert number and number in html


def test_person_page_counts_records_by_status_as_sql_does(client, operator, li):
    html = person_page(client, li.id).get_data(as_text=True)
    counts = dict(db.session.execute(text(
        "SELECT status, count(*) FROM credit_record WHERE person_id = :p GROUP BY status"), {"p": li.id}).all())
    shown = re.search(r'<p class="record-counts">(.*?)</p>', html, re.S).group(1)
    for status, label in (("approved", "已通过"), ("pending", "待审核"), ("rejected", "已驳回")):
        assert re.search(rf"{label} <strong>{counts.get(status, 0)}</strong>", shown)
    ids = [r[0] for r in db.session.execute(text("SELECT id FROM credit_record WHERE person_id = :p"), {"p": li.id})]
    for i in ids:
        assert f"/admin/hours/records/details/?id={i}" in html


def test_latest_twenty_records_and_a_link_to_all(client, operator, li, unit):
    for _ in range(22):
        give([li], 1, PUBLIC, unit.employer, approve=False)
    html = person_page(client, li.id).get_data(as_text=True)
    assert html.count('<tr data-record="') == 20
    newest = db.session.scalar(text("SELECT max(id) FROM credit_record WHERE person_id = :p"), {"p": li.id})
    assert f'data-record="{newest}"' in html
    assert "全部记录见" in html
    other = make_person(unit.employer, "王五")
    give([other], 1, PUBLIC, unit.employer, approve=False)
    link = re.search(r'全部记录见\s*<a href="([^"]+)"', html).group(1).replace("&amp;", "&")
    listed = client.get(link).get_data(as_text=True)
    assert "李四" in listed and "王五" not in listed


def test_history_shows_person_and_account_entries_with_the_password_masked(client, operator, li):
    person = db.session.get(Person, li.id)
    person.title_name = "主治医师"
    db.session.commit()
    with audit.action("password"):
        db.session.get(Account, li.account_id).set_password("Nieuw2Passw0rd")
    db.session.commit()
    html = person_page(client, li.id).get_data(as_text=True)
    history = html[html.index('id="history"'):]
    assert "主治医师" in history and "修改密码" in history
    assert "已修改（内容不显示）" in history
    stored = db.session.get(Account, li.account_id).password_hash
    assert stored not in html and stored[:20] not in html


def test_unit_page_shows_parent_admins_staff_and_queues(client, operator, li, unit):
    make_person(unit.employer, "待审人", status="pending")
    make_person(unit.branch, "分公司人")  # the branch's, not counted as the employer's own staff
    html = client.get(f"/admin/workbench/unit/{unit.employer.id}").get_data(as_text=True)
    assert f"/admin/workbench/unit/{unit.city.id}" in re.search(r'id="unit-parent">(.*?)</td>', html, re.S).group(1)
    assert "王管理" in html and "超级管理员" in html
    approved, pending = db.session.execute(text(
        "SELECT sum(CASE WHEN status = 'approved' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN status = 'pending' THEN 1 ELSE 0 END)"
        " FROM person WHERE org_id = :o"), {"o": unit.employer.id}).one()
    counts = re.search(r'id="staff-counts">(.*?)</p>', html, re.S).group(1)
    assert f"已审核 <strong>{approved}</strong>" in counts and f"待审核 <strong>{pending}</strong>" in counts
    queues = re.search(r'class="table table-bordered table-sm w-auto unit-queues">(.*?)</table>', html, re.S).group(1)
    assert re.search(r"专技人员注册审核</th><td class=\"text-right\">1<", queues)
    assert re.search(r"人员信息修改审核</th><td class=\"text-right\">1<", queues)
    assert re.search(r"人员调出审核</th><td class=\"text-right\">1<", queues)
    # The unit declared for its own staff: the 5 h record waits at its superior, the city, not in its own queue.
    assert re.search(r"学时审核</th><td class=\"text-right\">0<", queues)
    city = client.get(f"/admin/workbench/unit/{unit.city.id}").get_data(as_text=True)
    assert re.search(r"学时审核</th><td class=\"text-right\">1<", city)
    assert unit.branch.name in html  # 下属单位


def test_unit_page_of_a_unit_without_uscc_says_so(client, operator, unit):
    org = make_org("无码卫生院", uscc=None, parent=unit.city)
    html = client.get(f"/admin/workbench/unit/{org.id}").get_data(as_text=True)
    assert "无统一社会信用代码" in re.search(r'id="unit-uscc">(.*?)</td>', html, re.S).group(1)


def test_unit_history_reads_the_units_entries(client, operator, unit):
    org = db.session.get(type(unit.employer), unit.employer.id)
    org.address = "济南市历下区经十路 1 号"
    db.session.commit()
    html = client.get(f"/admin/workbench/unit/{unit.employer.id}").get_data(as_text=True)
    assert "经十路 1 号" in html[html.index('id="history"'):]


def test_account_page_of_an_admin_without_person(client, operator, unit):
    html = client.get(f"/admin/workbench/account/{unit.admin.id}").get_data(as_text=True)
    assert unit.admin.id_number in html and "该账号不是专技人员账号" in html and unit.employer.name in html


def test_account_page_links_its_person(client, operator, li):
    html = client.get(f"/admin/workbench/account/{li.account_id}").get_data(as_text=True)
    assert f"/admin/workbench/person/{li.id}" in html


@pytest.mark.parametrize("kind", ["person", "unit", "account"])
@pytest.mark.parametrize("bad", ["999999", "2147483648", "99999999999999999999999"])
def test_unknown_ids_are_404(client, operator, kind, bad):
    assert client.get(f"/admin/workbench/{kind}/{bad}").status_code == 404


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5"])
def test_malformed_ids_are_404(client, operator, bad):
    assert client.get(f"/admin/workbench/person/{bad}").status_code == 404


def test_unit_admins_get_403_on_every_page(client, auth, li, unit):
    auth.login(unit.admin)
    for url in ("/admin/workbench/", f"/admin/workbench/person/{li.id}", f"/admin/workbench/unit/{unit.employer.id}",
                f"/admin/workbench/account/{li.account_id}", "/admin/workbench/person/999999"):
        assert client.get(url).status_code == 403, url


def test_the_fix_card_opens_the_fix_page_of_the_same_record(client, operator, li, unit):
    for kind, url, record_id in (("person", f"/admin/workbench/person/{li.id}", li.id),
                                 ("unit", f"/admin/workbench/unit/{unit.employer.id}", unit.employer.id),
                                 ("account", f"/admin/workbench/account/{li.account_id}", li.account_id)):
        card = re.search(r'id="fix-card">(.*?)</div>\s*</div>', client.get(url).get_data(as_text=True), re.S).group(1)
        link = re.search(r'href="([^"]+)"', card).group(1).replace("&amp;", "&")
        assert link == f"/admin/workbench/fix/{kind}/?id={record_id}"
        assert client.get(link).status_code == 200, link


def test_person_page_query_count_does_not_grow_with_the_rows(client, operator, li, unit):
    person_id = li.id  # read outside the counted blocks: the test's own session reloads expired rows
    with count_queries() as few:
        person_page(client, person_id)
    for _ in range(25):
        give([li], 1, PUBLIC, unit.employer, approve=False)
    with count_queries() as many:
        person_page(client, person_id)
    assert len(many) == len(few), "\n".join(s[:90] for s in many)


def test_unit_page_query_count_does_not_grow_with_the_rows(client, operator, unit):
    url = f"/admin/workbench/unit/{unit.employer.id}"
    with count_queries() as few:
        client.get(url)
    for i in range(5):
        make_admin(make_org(parent=unit.employer), f"管理{i}")
        make_person(unit.employer, f"人员{i}")
    with count_queries() as many:
        client.get(url)
    assert len(many) == len(few)
