"""What a new user trips over (issue #8): the grouped 账户管理 menu, search on 已审核, filters on the transfer
lists, details pages without Flask-Admin's empty 筛选器 box, one place for the required marker."""
import re
from datetime import date

from models import ReviewRecord, db
from models import registration_review as reviews
from models import transfer as tr

from .helpers import make_admin, make_org, make_person, make_role

GUIDE_MENU = [
    ("本级机构管理", ["基本信息管理", "管理内设部门", "管理单位管理员", "角色管理", "接口令牌"]),  # 接口令牌: beyond the guide
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


def cells(html, column):
    return [re.sub(r"\s+", "", c) for c in re.findall(rf'<td class="col-{column}">(.*?)</td>', html, re.S)]


def test_reviewed_tab_searches_by_name_and_by_id_number(auth, client, unit):
    people = [make_person(unit.branch, name, status="rejected") for name in ("钱多多", "孙少安")]
    stranger = make_person(unit.other, "钱多多", status="rejected")  # another unit's record of the same name
    for person, org in ((people[0], unit.employer), (people[1], unit.employer), (stranger, unit.other)):
        db.session.add(ReviewRecord(target_type=reviews.PERSON_REGISTRATION, target_id=person.id, org_id=org.id,
                                    subject_name=person.name, subject_code=person.id_number, decision="rejected",
                                    reason="照片不清", reviewer_name="王管理"))
    db.session.commit()
    auth.login(unit.admin)
    url = "/admin/person_registration_done/"
    assert sorted(cells(client.get(url).get_data(as_text=True), "subject_name")) == ["孙少安", "钱多多"]
    assert cells(client.get(url, query_string={"search": "钱多多"}).get_data(as_text=True), "subject_name") == ["钱多多"]
    by_id = client.get(url, query_string={"search": people[1].id_number}).get_data(as_text=True)
    assert cells(by_id, "subject_name") == ["孙少安"]
    assert cells(client.get(url, query_string={"search": stranger.id_number}).get_data(as_text=True),
                 "subject_name") == []


def transfer_filter(app, endpoint, name):
    """The query-string key of the filter called ``name`` on the list ``endpoint``."""
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == endpoint)
    index = next(i for i, f in enumerate(view._filters) if f.name == name)
    return f"flt0_{view.get_filter_arg(index, view._filters[index])}"


def test_transfer_filters_narrow_the_list_and_stay_in_scope(app, auth, client, unit):
    yantai = make_org("烟台测试机械有限公司", parent=unit.province)
    ours = {"李四": make_person(unit.branch, "李四"), "张伟": make_person(unit.employer, "张伟")}
    theirs = make_person(unit.other, "李四")  # the other unit's transfer: never on our lists, whatever the filter
    out_admin = tr.Actor(account_id=unit.admin.id, name="王管理", org_id=unit.employer.id,
                         scope_org_id=unit.employer.id)
    their_admin = tr.Actor(account_id=unit.other_admin.id, name="赵管理", org_id=unit.other.id,
                           scope_org_id=unit.other.id)
    li = tr.start(ours["李四"], unit.other, "工作调动", date(2026, 11, 28), out_admin)
    tr.start(ours["张伟"], yantai, "工作调动", date(2026, 11, 28), out_admin)
    tr.start(theirs, yantai, "工作调动", date(2026, 11, 28), their_admin)
    db.session.commit()
    tr.approve_out(li.id, out_admin)
    db.session.commit()
    auth.login(unit.admin)

    def people(endpoint, name, value):
        html = client.get(f"/admin/{endpoint}/", query_string={transfer_filter(app, endpoint, name): value})
        return sorted(cells(html.get_data(as_text=True), "person"))

    for endpoint in ("transfer_out", "transfer_records_out"):
        assert people(endpoint, "申请时间", "2000-01-01 to 2099-12-31") == ["张伟", "李四"]
        assert people(endpoint, "姓名", "李") == ["李四"]
        assert people(endpoint, "身份证号", ours["张伟"].id_number) == ["张伟"]
        assert people(endpoint, "身份证号", ours["张伟"].id_number[:10]) == []  # exact match, not a prefix
        assert people(endpoint, "身份证号", theirs.id_number) == []
        assert people(endpoint, "调出单位", "历下分公司") == ["李四"]
        assert people(endpoint, "调入单位", "烟台") == ["张伟"]
        assert people(endpoint, "状态", "pending_in") == ["李四"]
    assert people("transfer_out_review", "调入单位", "烟台") == ["张伟"]
    assert people("transfer_out_review", "姓名", "李四") == []  # 李四 has left this queue


def test_status_filter_only_where_the_list_shows_more_than_one_status(app):
    views = {v.endpoint: [f.name for f in getattr(v, "_filters", None) or []] for v in app.extensions["admin"][0]._views}
    assert views["transfer_out_review"] == views["transfer_in_review"] == ["姓名", "身份证号", "调出单位", "调入单位",
                                                                            "申请时间"]
    assert views["transfer_out"][0] == views["transfer_records"][0] == "状态"


def test_flask_admin_forms_put_the_required_marker_before_the_label(auth, client, unit):
    auth.login(unit.admin)
    for url in ("/admin/departments/new/", f"/admin/subordinates/edit/?id={unit.branch.id}"):
        html = client.get(url).get_data(as_text=True)
        labels = re.findall(r'<label for="name"[^>]*>(.*?)</label>', html, re.S)
        assert [label.strip() for label in labels] in (['<span class="req">*</span>部门名称'],
                                                       ['<span class="req">*</span>单位名称']), url
        assert '<strong class="text-danger">&#42;</strong>' not in html and "<strong class=\"text-danger\">*" not in html
