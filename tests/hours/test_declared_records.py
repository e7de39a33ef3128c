"""学时申报记录 (F24): the unit's staff's records in every state (a base: what it declared), the 认定结果 tabs and
filters, details with the review trail, export, and the refusals."""
import pytest

from models import db
from models.actor import Actor
from models.hours import approval
from models.hours.catalogue import seed_catalogue

from ..helpers import make_admin, make_org, make_person, make_role, response_text
from ..querycount import count_queries
from .credit_data import base_declares, person_declares, unit_declares

URL = "/admin/hours/records/"


@pytest.fixture
def records(unit):
    seed_catalogue()
    db.session.commit()
    a, b = make_person(unit.employer, "张甲"), make_person(unit.branch, "李乙")
    stranger = make_person(unit.other, "赵外")
    base = make_org("示范继续教育基地", kind="base", parent=unit.province)
    base_admin = make_admin(base, "基地管理员")
    ids = {"own": person_declares(a, unit.employer, 10), "unit": unit_declares(unit, unit.employer, [a, b], 6),
           "base": base_declares(base, base_admin, b, 8), "other": person_declares(stranger, unit.other, 7)}
    employer = Actor(unit.admin.id, "王管理", unit.employer.id, unit.employer.id)
    approval.decide_credits([ids["own"]], "approved", employer)
    branch = Actor(unit.admin.id, "王管理", unit.branch.id, unit.branch.id)  # the trainee's unit decides
    approval.decide_credits([ids["base"]], "rejected", branch, "材料不全")
    db.session.commit()
    return type("Records", (), dict(ids=ids, a=a, b=b, base=base, base_admin=base_admin))


def test_the_units_records_in_every_state_by_tab(auth, client, unit, records):
    auth.login(unit.admin)
    page = response_text(client.get(URL))
    assert "学时申报记录" in page and "全部（4）" in page and "赵外" not in page
    assert "已通过" in page and "已驳回" in page and "继续教育基地申报" in page
    assert "待审核（2）" in response_text(client.get(URL + "?tab=pending"))
    page = response_text(client.get(URL + "?tab=rejected"))
    assert "已驳回（1）" in page and "李乙" in page
    page = response_text(client.get(URL + "?tab=all&flt0_4=%E5%BC%A0"))
    assert "全部（2）" in page and "李乙" not in page
    assert "全部（0）" in response_text(client.get(URL + "?flt0_0=2024"))


def test_a_base_sees_what_it_declared(auth, client, unit, records):
    auth.login(records.base_admin, user_type="base")
    page = response_text(client.get(URL))
    assert "全部（1）" in page and "李乙" in page and "张甲" not in page
    assert client.get(f"{URL}details/?id={records.ids['own']}").status_code == 404
    assert client.get(f"{URL}details/?id={records.ids['base']}").status_code == 200


def test_details_show_the_declaration_and_the_review_trail(auth, client, unit, records):
    auth.login(unit.admin)
    page = response_text(client.get(f"{URL}details/?id={records.ids['base']}"))
    assert "基地培训班" in page and "线上课程" in page and "未上传证明材料" in page
    assert page.index("申报") < page.index("驳回") and "材料不全" in page
    assert records.b.id_number not in page  # masked here: 学时审核 shows it in full
    assert 'value="approve"' not in page and "删除记录" not in page
    page = response_text(client.get(f"{URL}details/?id={records.ids['own']}"))
    assert "通过" in page and "认定 10 学时" in page


def test_another_units_record_is_404(auth, client, unit, records):
    auth.login(unit.admin)
    assert client.get(f"{URL}details/?id={records.ids['other']}").status_code == 404
    auth.logout()
    auth.login(unit.other_admin)
    page = response_text(client.get(URL))
    assert "全部（1）" in page and "张甲" not in page


def test_missing_permission_is_403(auth, client, unit, records):
    clerk = make_admin(unit.employer, "审核员", is_super=False, role=make_role(unit.employer, "审核", ["hours.review"]))
    auth.login(clerk)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}details/?id={records.ids['own']}").status_code == 403
    assert client.get(f"{URL}export.xlsx").status_code == 403


def test_export_and_constant_query_count(auth, client, unit, records):
    auth.login(unit.admin)
    text = response_text(client.get(URL + "export.xlsx?tab=approved"))
    assert "张甲" in text and "李乙" not in text and "已通过" in text
    client.get(URL)
    with count_queries() as few:
        client.get(URL)
    unit_declares(unit, unit.employer, [make_person(unit.branch, f"批量{i}") for i in range(15)], 3)
    with count_queries() as many:
        assert "全部（19）" in response_text(client.get(URL))
    assert len(many) == len(few)


def test_details_list_the_proof_files_with_their_preview(auth, client, app, tmp_path, unit, records):
    from models import CreditRecord
    from models.hours import attachments

    from .test_attachments import PNG, upload

    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "att")
    declaration = db.session.get(CreditRecord, records.ids["own"]).declaration
    stored = attachments.store([upload("结业证书.png", PNG)], declaration)
    db.session.commit()
    auth.login(unit.admin)
    page = response_text(client.get(f"{URL}details/?id={records.ids['own']}"))
    url = f"/admin/hours/attachments/{stored[0].id}"
    assert "结业证书.png" in page and f'<img src="{url}"' in page
    assert client.get(url).data == PNG
