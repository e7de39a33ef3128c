"""What a new user trips over (issue #8): the grouped 账户管理 menu, search on 已审核, filters on the transfer
lists, details pages without Flask-Admin's empty 筛选器 box, one place for the required marker."""
import re
from datetime import date

from models import ReviewRecord, Transfer, db
from models import registration_review as reviews

from .helpers import make_admin, make_org, make_person, make_role

GUIDE_MENU = [
    ("本级机构管理", ["基本信息管理", "管理内设部门", "管理单位管理员", "角色管理"]),
    ("下属机构管理", ["下属机构管理"]),
    ("注册审核管理", ["专技人员注册审核", "下属单位注册审核"]),
    ("变更审核管理", ["人员信息修改审核", "机构信息修改审核"]),
    ("人员调转", ["人员调入审核", "人员调出审核", "人员调出", "调转记录"]),
]
_MENU_PART = re.compile(r'<h6 class="dropdown-header">([^<]+)</h6>|<a class="dropdown-item[^"]*"[^>]*>\s*([^<]+?)\s*</a>')


def account_menu(html):
    """The 账户管理 dropdown as (heading, entries) pairs, in page order."""
    start = re.search(r'class="dropdown-toggle[^>]*>\s*账户管理\s*</a>', html).end()
    block = html[start:html.index("</ul>", start)]
    groups = []
    for heading, entry in _MENU_PART.findall(block):
        if heading:
            groups.append((heading, []))
        else:
            assert groups, f"entry {entry} above the first heading"
            groups[-1][1].append(entry)
    return groups


def test_account_menu_follows_the_guide_groups(auth, client, unit):
    auth.login(unit.admin)
    assert account_menu(client.get("/admin/").get_data(as_text=True)) == GUIDE_MENU


def test_menu_hides_the_headings_of_entries_the_role_lacks(auth, client, unit):
    role = make_role(unit.employer, "调转专员", ["transfer.out", "transfer.records", "review.person_change"])
    clerk = make_admin(unit.employer, "周调转", is_super=False, role=role)
    auth.login(clerk)
    assert account_menu(client.get("/admin/").get_data(as_text=True)) == [
        ("变更审核管理", ["人员信息修改审核"]),
        ("人员调转", ["人员调出", "调转记录"]),
    ]


def first_details_url(client, list_url):
    html = client.get(list_url).get_data(as_text=True)
    match = re.search(r'href="(/admin/[a-z_]+/details/\?id=\d+)', html)
    assert match, f"no details link on {list_url}"
    return match.group(1)


def test_details_pages_have_no_filter_box(auth, client, unit):
    make_person(unit.employer, "孙详情")
    pending = make_person(unit.branch, "钱待审", status="pending")
    db.session.add(ReviewRecord(target_type=reviews.PERSON_REGISTRATION, target_id=pending.id, org_id=unit.employer.id,
                                subject_name="钱待审", subject_code=pending.id_number, decision="rejected",
                                reason="照片不清", reviewer_name="王管理"))
    db.session.commit()
    auth.login(unit.admin)
    auth.post("/admin/departments/new/", {"name": "详情部"})  # an audit entry of this unit
    for list_url in ("/admin/staff/", "/admin/audit/", "/admin/subordinates/", "/admin/person_registration/",
                     "/admin/person_registration_done/"):
        page = client.get(first_details_url(client, list_url))
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and 'class="table table-hover table-bordered searchable"' in html, list_url
        assert 'id="fa_filter"' not in html and "筛选器</label>" not in html, list_url
