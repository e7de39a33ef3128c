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
    for word in ("列表", "添加部门", "搜索"):
        assert word in text
    for english in ("List", "Create New Record", "Search"):
        assert f">{english}<" not in text


def test_create_tabs_use_the_seed_words(auth, client, unit):
    auth.login(unit.admin)
    assert "添加部门" in client.get("/admin/departments/new/").get_data(as_text=True)
    roles = client.get("/admin/roles/").get_data(as_text=True)
    assert "新增角色" in roles and ">创建<" not in roles
