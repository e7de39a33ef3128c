"""Flask-Admin's own messages reach the user in Chinese, including the ones its catalogue misses."""
from .helpers import make_department


def test_refused_create_is_reported_in_chinese(auth, client, unit):
    make_department(unit.employer, "财务部")
    auth.login(unit.admin)
    r = auth.post("/admin/departments/new/", {"name": "财务部"}, form_url="/admin/departments/new/")
    text = r.get_data(as_text=True)
    assert "本单位已有同名部门" in text and "创建记录失败" in text
    assert "Failed to" not in text


def test_list_page_chrome_is_chinese(auth, client, unit):
    auth.login(unit.admin)
    text = client.get("/admin/departments/").get_data(as_text=True)
    for word in ("列表", "创建", "搜索"):
        assert word in text
    for english in ("List", "Create New Record", "Search"):
        assert f">{english}<" not in text
