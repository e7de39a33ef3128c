"""The operator's journey (F32, issue 12): a 运维 finds a person by an ID prefix, opens the 360° page, fixes the 职称
with a reason, bulk-fixes 20 persons by exporting 专技人员信息查询, editing the file (openpyxl) and uploading it
back, applies the preview with a reason, reverts that bulk request from the audit log after its preview, and
finds the three requests in the audit log."""
import re

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from admin_views.staff import StaffQueryView
from models import AuditEntry, Person, db
from models.validators import id_check_digit

from ..helpers import make_account, make_admin, make_org, make_person
from ..workbench.conftest import person_with
from .steps import login, open_menu, submit

VALID_ID = "37010219900101123" + id_check_digit("37010219900101123")  # a re-import checks the digit


def test_operator_fixes_one_then_twenty_by_reimport_and_reverts(page, shot, app, tmp_path):
    app.config["IMPORTS_FOLDER"] = str(tmp_path / "imports")
    province = make_org("山东省人力资源和社会保障厅", kind="supervisor")
    hospital = make_org("济南市第一人民医院", parent=province)
    make_admin(hospital, "王管理")
    caller = person_with(hospital, "李寻欢", VALID_ID, "13912345678", title_series="卫生技术",
                         title_level="中级", title_name="主治医师")
    staff = [make_person(hospital, f"护士{i:02d}", title_series="卫生技术", title_level="初级", title_name="护士")
             for i in range(20)]
    ops = make_account("周敏", is_operator=True, operator_role="ops")
    db.session.commit()

    login(page, ops.id_number, user_type="平台运维")
    # 1. find the caller by an ID prefix, open the 360° page, fix the 职称 with a reason
    open_menu(page, "运维工作台", "全局搜索")
    page.get_by_label("身份证号、姓名、手机号、统一社会信用代码或单位名称").fill("3701021990")
    submit(page, "搜索")
    found = page.locator("section[data-kind='person'] tbody tr")
    expect(found).to_have_count(1)
    with page.expect_navigation():
        found.first.get_by_role("link", name="李寻欢").click()
    expect(page.get_by_role("heading", name="人员 360° · 李寻欢")).to_be_visible()
    with page.expect_navigation():
        page.locator("#fix-card a").click()
    page.locator("#fix-edit").get_by_label("职称级别").select_option("副高级")
    page.locator("#fix-edit").get_by_label("职称名称").fill("副主任医师")
    page.locator("#fix-edit").get_by_label("原因").fill("本人来电，核对职称证书后更正")
    submit(page, "保存修改")
    expect(page.get_by_role("alert")).to_contain_text("已修改 李寻欢 的信息")
    shot("single-fix")

    # 2. bulk fix: export the unit's staff, edit 20 rows, upload, preview
    open_menu(page, "运维工作台", "批量修正（人员）")
    expect(page.locator("#read-only-columns")).to_contain_text("工作单位")
    shot("bulk-upload-page")
    subtree = f"flt0_{len(StaffQueryView.column_filters) - 1}"
    page.goto(f"/admin/staff/?{subtree}={hospital.id}")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    exported = tmp_path / "专技人员信息.xlsx"
    download.value.save_as(exported)
    wb = load_workbook(exported)
    ws = wb.active
    header = [c.value for c in ws[1]]
    ids, title = header.index("身份证号") + 1, header.index("职称名称") + 1
    nurses = {p.id_number for p in staff}
    edited = 0
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, ids).value in nurses:
            ws.cell(r, title).value = "护师"
            edited += 1
    assert edited == 20 and ws.max_row == 22  # the caller is in the file, unchanged
    wb.save(exported)

    open_menu(page, "运维工作台", "批量修正（人员）")
    page.set_input_files("#file", str(exported))
    submit(page, "上传并预览")
    expect(page.locator("#count-changed")).to_have_text("20")
    expect(page.locator("#count-unchanged")).to_have_text("1")
    expect(page.locator("#change-table")).to_contain_text("护士")
    expect(page.locator("#change-table")).to_contain_text("护师")
    expect(page.locator("#change-table")).not_to_contain_text("李寻欢")
    shot("bulk-preview")
    submit(page, "确认修改 20 行")
    expect(page.locator("#confirm-form .field-error")).to_contain_text("请填写原因")
    page.get_by_label("原因").fill("医院人事处来函：20 名护士已聘为护师")
    submit(page, "确认修改 20 行")
    expect(page.locator("#import-done")).to_contain_text("已修改 20 行")
    shot("bulk-result")
    db.session.expire_all()
    assert {db.session.get(Person, p.id).title_name for p in staff} == {"护师"}

    # 3. revert the bulk request from the audit log, after its preview
    with page.expect_navigation():
        page.locator("#audit-link").click()
    with page.expect_navigation():
        page.locator("#revert-link").click()
    expect(page.locator("body")).to_contain_text("护士01")
    shot("revert-preview")
    page.get_by_label("撤回原因").fill("来函所列人员有误，恢复原值")
    submit(page, "确认撤回")
    expect(page.get_by_role("alert").first).to_contain_text("已撤回 20 项修改")
    db.session.expire_all()
    assert {db.session.get(Person, p.id).title_name for p in staff} == {"护士"}
    assert db.session.get(Person, caller.id).title_name == "副主任医师"  # the single fix stays

    # 4. the audit log shows the three requests
    requests = db.session.scalars(select(AuditEntry.request_id).where(
        AuditEntry.actor_id == ops.id, AuditEntry.action.in_(("update", "revert"))).distinct()).all()
    assert len(requests) == 3
    page.goto("/admin/audit/requests/")
    groups = page.locator("#audit-groups")
    for request_id in requests:
        expect(groups.locator(f"a[href$='request/{request_id}']").first).to_be_attached()
    expect(groups).to_contain_text("本人来电，核对职称证书后更正")
    expect(groups).to_contain_text("批量修正：医院人事处来函")
    expect(groups).to_contain_text("来函所列人员有误，恢复原值")
    shot("audit-log")
    assert re.search(r"共 20 条", groups.inner_text())
