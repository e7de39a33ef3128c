def test_login_page_is_chinese(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "登录" in page.get_data(as_text=True)


def test_admin_login_reaches_dashboard(auth, unit, client):
    r = auth.login(unit.admin)
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/")
    page = client.get("/admin/", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert "济南示范科技有限公司" in text and "待办事项" in text
