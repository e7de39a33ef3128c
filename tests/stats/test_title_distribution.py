"""职称系列分布查询 (F26): counts against independent SQL, scoping of the page, the chart JSON and the export,
drill links into 专技人员信息查询, bad arguments, permission and a constant number of queries."""
import html
import io
import re
import zipfile
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from models import AuditEntry, TitleSeries, db

from ..helpers import XLSX, make_account, make_admin, make_department, make_org, make_person, make_role
from ..querycount import count_queries

PAGE = "/admin/stats/title-distribution/"
LEVELS = ["正高级", "副高级", "中级", "助理级", "员级", "无"]

RAW = text("""
    SELECT coalesce(nullif(p.title_series, ''), '未填写') AS s, coalesce(nullif(p.title_level, ''), '未填写') AS l,
           count(*) AS n
    FROM person p
    WHERE p.status = 'approved'
      AND (CAST(:org AS INTEGER) IS NULL OR p.org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = :org))
      AND (CAST(:dept AS INTEGER) IS NULL OR p.department_id = :dept)
    GROUP BY 1, 2""")


def raw_counts(org=None, dept=None):
    return {(s, lv): n for s, lv, n in db.session.execute(RAW, {"org": org, "dept": dept})}


def table(page):
    """{(series, level): count} of the page's table body, and its footer's column totals."""
    body = re.search(r'id="title-distribution".*?</table>', page, re.S).group(0)
    head = [html.unescape(h) for h in re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', body)][1:-2]
    cells = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[1].split("</tbody>")[0], re.S):
        series = re.search(r'<th scope="row">([^<]*)</th>', row).group(1)
        values = [int(re.sub(r"<[^>]+>", "", v)) for v in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[:-1]]
        for level, n in zip(head, values):
            if n:
                cells[(series, level)] = n
        assert values[len(head)] == sum(values[:len(head)]), "row total"
    return cells


def links(page):
    """{(series, level): href} of every linked cell of the table body."""
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    head = [h for h in re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', page)][1:-2]
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        series = re.search(r'<th scope="row">([^<]*)</th>', row).group(1)
        for level, cell in zip(head, re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)):
            href = re.search(r'href="([^"]+)"', cell)
            if href:
                found[(series, level)] = html.unescape(href.group(1))
    return found


def staff_names(client, url):
    page = client.get(url).get_data(as_text=True)
    return set(re.findall(r'<td class="col-name">\s*([^<\s]+)', page))


@pytest.fixture
def people(unit):
    """Unit A's staff across series, levels, a department and its branch; noise: pending, disabled, empty
    titles, and another unit's staff (which must never count for unit A)."""
    ward = make_department(unit.employer, "内科")
    rows = [(unit.employer, "甲一", "卫生技术", "中级", ward), (unit.employer, "甲二", "卫生技术", "中级", ward),
            (unit.employer, "甲三", "卫生技术", "副高级", None), (unit.employer, "甲四", "会计", "助理级", ward),
            (unit.employer, "甲五", "工程技术", "正高级", None), (unit.employer, "甲六", None, None, None),
            (unit.branch, "乙一", "会计", "助理级", None), (unit.branch, "乙二", "经济", "员级", None),
            (unit.other, "丙一", "卫生技术", "中级", None), (unit.other, "丙二", "档案", "员级", None)]
    for org, name, series, level, dept in rows:
        make_person(org, name, department=dept, title_series=series, title_level=level)
    make_person(unit.employer, "甲待审", status="pending", title_series="卫生技术", title_level="中级")
    make_person(unit.employer, "甲停用", status="disabled", title_series="卫生技术", title_level="中级")
    unit.ward = ward
    return unit


def test_the_table_counts_the_subtree_as_sql_does(client, auth, people):
    auth.login(people.admin)
    page = client.get(PAGE).get_data(as_text=True)
    expected = raw_counts(people.employer.id)
    assert table(page) == expected
    assert sum(expected.values()) == 8 and f'id="dist-total">8<' in page
    assert "丙一" not in page and "档案" not in page  # the other unit's only series does not appear
    # Rows follow 职称系列管理's order; the empty series comes last as 未填写.
    rows = re.findall(r'<th scope="row">([^<]*)</th>', page.split("<tbody>")[1].split("</tbody>")[0])
    assert rows == ["卫生技术", "工程技术", "经济", "会计", "未填写"]
    # Shares: 卫生技术 3 of 8; the level column 中级 2 of 8.
    assert "37.5%" in page and "25.0%" in page


def test_a_sub_unit_and_a_department_narrow_the_counts(client, auth, people):
    auth.login(people.admin)
    branch = client.get(PAGE, query_string={"org": people.branch.id}).get_data(as_text=True)
    assert table(branch) == raw_counts(people.branch.id) == {("会计", "助理级"): 1, ("经济", "员级"): 1}
    ward = client.get(PAGE, query_string={"org": people.employer.id, "dept": people.ward.id}).get_data(as_text=True)
    assert table(ward) == raw_counts(people.employer.id, people.ward.id) == {("卫生技术", "中级"): 2,
                                                                            ("会计", "助理级"): 1}
    assert "内科" in ward and "（含下属单位）" not in ward.split('id="dist-total"')[0].split("统计范围")[1]


def test_another_units_org_or_department_falls_back_with_a_message(client, auth, people):
    foreign = make_department(people.other, "外科")
    auth.login(people.admin)
    for args, message in (({"org": people.other.id}, "所选单位不存在或不在您的管理范围内"),
                          ({"org": people.city.id}, "所选单位不存在或不在您的管理范围内"),
                          ({"org": "abc"}, "所选单位不存在或不在您的管理范围内"),
                          ({"org": "9" * 25}, "所选单位不存在或不在您的管理范围内"),
                          ({"dept": foreign.id}, "所选部门不存在或不属于所选单位"),
                          ({"org": people.branch.id, "dept": people.ward.id}, "所选部门不存在或不属于所选单位")):
        r = client.get(PAGE, query_string=args)
        page = r.get_data(as_text=True)
        assert r.status_code == 200 and message in page, args
        assert "丙一" not in page and "档案" not in page
    page = client.get(PAGE, query_string={"org": people.other.id}).get_data(as_text=True)
    assert table(page) == raw_counts(people.employer.id)


def test_chart_json_counts_the_same_and_is_scoped(client, auth, people):
    auth.login(people.admin)
    expected = raw_counts(people.employer.id)
    bar = client.get(PAGE + "chart/bar.json").get_json()
    rows = bar["yAxis"]["data"]
    got = {(rows[i], s["name"]): item["value"] for s in bar["series"] for i, item in enumerate(s["data"])
           if item["value"]}
    assert got == expected
    pie = client.get(PAGE + "chart/pie.json").get_json()
    slices = {d["name"]: d["value"] for d in pie["series"][0]["data"]}
    assert slices == {"卫生技术": 3, "工程技术": 1, "经济": 1, "会计": 2, "未填写": 1}
    # Another unit's id in the chart URL draws the actor's own unit, silently (no flash for a later page).
    foreign = client.get(PAGE + "chart/pie.json", query_string={"org": people.other.id}).get_json()
    assert foreign == pie and "档案" not in str(foreign)
    assert "所选单位" not in client.get(PAGE).get_data(as_text=True)
    assert client.get(PAGE + "chart/line.json").status_code == 404


def test_every_count_links_to_exactly_its_persons(client, auth, people):
    auth.login(people.admin)
    page = client.get(PAGE).get_data(as_text=True)
    found = links(page)
    assert ("未填写", "未填写") not in found  # no filter selects an empty value
    assert staff_names(client, found[("卫生技术", "中级")]) == {"甲一", "甲二"}
    assert staff_names(client, found[("会计", "助理级")]) == {"甲四", "乙一"}  # the branch is in the subtree
    assert staff_names(client, found[("经济", "员级")]) == {"乙二"}
    for (series, level), url in found.items():
        assert len(staff_names(client, url)) == raw_counts(people.employer.id)[(series, level)]
    # A department's counts lead to that department's persons; the pie's slices to the series.
    ward = client.get(PAGE, query_string={"dept": people.ward.id}).get_data(as_text=True)
    assert staff_names(client, links(ward)[("卫生技术", "中级")]) == {"甲一", "甲二"}
    branch_dept = make_department(people.branch, "分院药房")
    make_person(people.branch, "乙药师", department=branch_dept, title_series="卫生技术", title_level="员级")
    pharmacy = client.get(PAGE, query_string={"org": people.branch.id, "dept": branch_dept.id}).get_data(as_text=True)
    drill = client.get(links(pharmacy)[("卫生技术", "员级")]).get_data(as_text=True)
    assert "乙药师" in drill and '"分院药房"' in drill  # the staff query's filter names the sub-unit's department
    pie = client.get(PAGE + "chart/pie.json", query_string={"org": people.branch.id}).get_json()
    slice_url = next(d["url"] for d in pie["series"][0]["data"] if d["name"] == "会计")
    assert staff_names(client, slice_url) == {"乙一"}
    # The staff query shows the linked unit by name in its filter.
    assert "济南示范科技有限公司历下分公司" in client.get(slice_url).get_data(as_text=True)


def test_no_links_without_the_staff_query_permission(client, auth, people):
    role = make_role(people.employer, "统计员", codes=["stats.title_distribution"])
    auth.login(make_admin(people.employer, "统计员", is_super=False, role=role))
    page = client.get(PAGE).get_data(as_text=True)
    assert table(page) == raw_counts(people.employer.id) and not links(page)
    assert "url" not in str(client.get(PAGE + "chart/bar.json").get_json())


def test_export_is_the_table_with_native_charts(client, auth, people):
    auth.login(people.admin)
    r = client.get(PAGE + "export.xlsx", query_string={"org": people.employer.id})
    assert r.status_code == 200 and r.mimetype == XLSX
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(r.data))
    ws = book.active
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, row in enumerate(rows) if row[0] == "职称系列")
    header = rows[head]
    levels = LEVELS + ["未填写"]  # 甲六 has no level
    n = len(levels)
    assert list(header[1:n + 1]) == levels and header[n + 1:n + 3] == ("合计", "占比")
    body = rows[head + 1:head + 6]
    got = {(row[0], header[c]): row[c] for row in body for c in range(1, n + 1) if row[c]}
    assert got == raw_counts(people.employer.id)
    assert all(isinstance(v, int) for row in body for v in row[1:n + 2])  # numbers, not text
    totals = rows[head + 6]
    assert totals[0] == "合计" and totals[n + 1] == 8 and totals[3] == 2  # 中级: 甲一, 甲二
    assert rows[head + 7][0] == "占比" and rows[head + 7][3] == pytest.approx(0.25)
    assert ws.cell(head + 2, n + 3).number_format == "0.0%" and ws.cell(head + 2, n + 3).value == pytest.approx(3 / 8)
    kinds = sorted(type(c).__name__ for c in ws._charts)
    assert kinds == ["BarChart", "PieChart"]
    charts = " ".join(zipfile.ZipFile(io.BytesIO(r.data)).read(n).decode() for n in
                      zipfile.ZipFile(io.BytesIO(r.data)).namelist() if n.startswith("xl/charts/"))
    assert "<barChart>" in charts and "<pieChart>" in charts and "!$A$" in charts  # refers to the cells
    text_of_book = " ".join(str(v) for row in rows for v in row if v is not None)
    assert "档案" not in text_of_book and "青岛" not in text_of_book
    entry = db.session.query(AuditEntry).filter_by(entity_id="title_distribution", action="export").one()
    assert entry.changes["persons"] == 8


def test_the_export_never_holds_another_units_counts(client, auth, people):
    auth.login(people.admin)
    book = load_workbook(io.BytesIO(client.get(PAGE + "export.xlsx", query_string={"org": people.other.id}).data))
    values = [v for row in book.active.iter_rows(values_only=True) for v in row]
    assert "档案" not in values and "济南示范科技有限公司" in str(values[0])


def test_the_operator_counts_the_province(client, auth, people):
    auth.login(make_account("客服小周", is_operator=True), user_type="operator")
    page = client.get(PAGE).get_data(as_text=True)
    assert table(page) == raw_counts() and "<strong>全省</strong>，已审核" in page and f'id="dist-total">10<' in page
    other = client.get(PAGE, query_string={"org": people.other.id}).get_data(as_text=True)
    assert table(other) == raw_counts(people.other.id) == {("卫生技术", "中级"): 1, ("档案", "员级"): 1}


def test_a_legacy_series_and_an_empty_unit(client, auth, unit):
    make_person(unit.employer, "旧系列", title_series="其他", title_level="中级")
    db.session.execute(text("UPDATE person SET title_level = '初级' WHERE name = '旧系列'"))
    db.session.commit()
    auth.login(unit.admin)
    page = client.get(PAGE).get_data(as_text=True)
    assert table(page) == {("其他", "初级"): 1}  # a level outside TITLE_LEVELS still counts, as its own column
    empty = client.get(PAGE, query_string={"org": unit.branch.id}).get_data(as_text=True)
    assert "所选范围内暂无已审核的专业技术人员" in empty and 'id="dist-total">0<' in empty
    assert client.get(PAGE + "export.xlsx", query_string={"org": unit.branch.id}).status_code == 200


def test_permission_is_needed_for_page_chart_and_export(client, auth, people):
    role = make_role(people.employer, "无统计", codes=["stats.staff"])
    auth.login(make_admin(people.employer, "无统计员", is_super=False, role=role))
    for url in (PAGE, PAGE + "chart/bar.json", PAGE + "export.xlsx"):
        assert client.get(url).status_code == 403, url
    assert "职称系列分布查询" not in client.get("/admin/").get_data(as_text=True)


def test_the_page_reads_a_constant_number_of_queries(client, auth, unit):
    auth.login(unit.admin)

    def queries():
        with count_queries() as statements:
            assert client.get(PAGE).status_code == 200
        return len(statements)

    make_person(unit.employer, "一", title_series="卫生技术", title_level="中级")
    few = queries()
    series = [s for s, in db.session.query(TitleSeries.name).limit(12)]
    for i, name in enumerate(series):
        for level in LEVELS[:3]:
            make_person(unit.branch, f"多{i}{level}", title_series=name, title_level=level)
    assert queries() == few
