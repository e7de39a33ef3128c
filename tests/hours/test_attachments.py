"""证明材料: files checked by their content, stored privately in the declaration's transaction, shown only to those
who may see the declaration (404 for everyone else)."""
import io
from datetime import date
from urllib.parse import quote

import pytest
from werkzeug.datastructures import FileStorage

from models import AuditEntry, LearningForm, db
from models.actor import Actor
from models.hours import attachments
from models.hours.attachments import check, clean_name, find_visible, send_attachment, store
from models.hours.catalogue import seed_catalogue
from models.hours.records import Attachment, declare

from ..helpers import make_account, make_admin, make_person

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" \
      b"trailer<</Root 1 0 R>>\n%%EOF\n"
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100


def upload(name, data):
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.fixture
def folder(app, tmp_path):
    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "att")
    seed_catalogue()
    db.session.commit()
    return tmp_path / "att"


def declaration_of(tree, person=None, declared_by="unit"):
    person = person or make_person(tree.employer, "李四")
    actor = (Actor(person.account_id, person.name, person_id=person.id) if declared_by == "person"
             else Actor(tree.admin.id, "王管理", tree.employer.id, tree.employer.id))
    form = LearningForm.query.filter_by(code="face_to_face").one()
    return declare(form, "专业科目", {"organizer": "省学会", "days": 1}, [person.id], declared_by=declared_by,
                   actor=actor, org=tree.employer, title="新技术培训", start_date=date(2026, 5, 1),
                   end_date=date(2026, 5, 1))


def stored_files(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# -- checks ------------------------------------------------------------------------------------------------
def test_pdf_jpg_png_pass_by_their_content(folder):
    assert check([upload("结业证书.pdf", PDF), upload("照片.JPG", JPG), upload("签到表.jpeg", JPG),
                  upload("截图.png", PNG)]) == []
    assert check([FileStorage(stream=io.BytesIO(b""), filename="")]) == []  # nothing chosen


def test_an_exe_renamed_pdf_and_other_lies_are_refused_clearly(folder):
    assert check([upload("证书.pdf", EXE)]) == [
        "「证书.pdf」的内容不是有效的 PDF、JPG 或 PNG 文件（可能是改了扩展名的其他文件），请上传原始的 PDF 或图片"]
    assert check([upload("证书.png", PDF)]) == ["「证书.png」的内容是PDF 文件，与扩展名 .png 不符，请改正扩展名后重新上传"]
    assert check([upload("setup.exe", EXE)]) == ["「setup.exe」不是 PDF、JPG 或 PNG 文件：证明材料只能上传 PDF、JPG、PNG 格式"]
    assert check([upload("无扩展名", PDF)])[0].startswith("「无扩展名」不是 PDF")
    assert check([upload("空.pdf", b"")]) == ["「空.pdf」是空文件，请重新选择"]


def test_size_and_count_limits_are_configurable(app, folder):
    big = PDF + b"0" * (10 * 1024 * 1024)
    assert check([upload("大文件.pdf", big)]) == ["「大文件.pdf」超过了单个文件 10 MB 的大小限制"]
    assert check([upload(f"{i}.pdf", PDF) for i in range(11)]) == ["每次申报最多上传 10 个文件"]
    nine = PDF + b"0" * (9 * 1024 * 1024)
    assert check([upload(f"{i}.pdf", nine) for i in range(4)]) == ["所有证明材料合计不能超过 30 MB"]
    app.config.update(ATTACHMENT_MAX_BYTES=1024, ATTACHMENT_MAX_FILES=2, ATTACHMENT_MAX_TOTAL_BYTES=1536)
    assert check([upload("a.pdf", PDF + b"0" * 1024)]) == ["「a.pdf」超过了单个文件 1 KB 的大小限制"]
    assert check([upload(f"{i}.pdf", PDF) for i in range(3)])[0] == "每次申报最多上传 2 个文件"
    eight_hundred = PDF + b"0" * (800 - len(PDF))
    assert check([upload("a.pdf", eight_hundred), upload("b.pdf", eight_hundred)]) == ["所有证明材料合计不能超过 1.5 KB"]


def test_names_keep_chinese_and_lose_paths_and_control_characters():
    assert clean_name("2026年 结业证书（张三）.pdf") == "2026年 结业证书（张三）.pdf"
    assert clean_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert clean_name("C:\\Users\\张三\\桌面\\扫描件.jpg") == "扫描件.jpg"
    assert clean_name("a\x00b\r\n\u202ecod.pdf") == "abcod.pdf"
    assert clean_name('证"书<1>|?.pdf') == "证_书_1___.pdf"
    assert clean_name("....pdf") == "证明材料.pdf" and clean_name("") == "证明材料"
    long = clean_name("长" * 300 + ".pdf")
    assert len(long) == 120 and long.endswith(".pdf")


# -- storing -------------------------------------------------------------------------------------------------
def test_store_writes_private_files_with_random_names_and_audited_rows(unit, folder):
    d = declaration_of(unit)
    rows = store([upload("../结业证书.pdf", PDF), upload("照片.jpg", JPG), upload("截图.png", PNG)], d)
    db.session.commit()
    assert [(r.filename, r.content_type, r.size) for r in rows] == [
        ("结业证书.pdf", "application/pdf", len(PDF)), ("照片.jpg", "image/jpeg", len(JPG)),
        ("截图.png", "image/png", len(PNG))]
    import hashlib

    assert rows[0].sha256 == hashlib.sha256(PDF).hexdigest() and rows[0].org_id == unit.employer.id
    names = stored_files(folder)
    assert sorted(r.stored_name for r in rows) == names and not any("结业" in n for n in names)
    assert (folder / rows[0].stored_name).read_bytes() == PDF
    assert (folder / rows[0].stored_name).stat().st_mode & 0o077 == 0
    assert AuditEntry.query.filter_by(entity="credit_attachment", action="create").count() == 3
    assert [a.filename for a in d.attachments] == ["结业证书.pdf", "照片.jpg", "截图.png"]


def test_store_refuses_everything_when_one_file_is_bad(unit, folder):
    d = declaration_of(unit)
    with pytest.raises(ValueError, match="「病毒.pdf」的内容不是有效的"):
        store([upload("好.pdf", PDF), upload("病毒.pdf", EXE)], d)
    assert stored_files(folder) == [] and Attachment.query.count() == 0


def test_the_limits_count_the_files_a_declaration_already_has(app, unit, folder):
    app.config["ATTACHMENT_MAX_FILES"] = 2
    d = declaration_of(unit)
    store([upload("1.pdf", PDF)], d)
    with pytest.raises(ValueError, match="最多上传 2 个"):
        store([upload("2.pdf", PDF), upload("3.pdf", PDF)], d)


def test_files_of_a_transaction_that_does_not_commit_do_not_linger(unit, folder):
    d = declaration_of(unit)
    store([upload("a.pdf", PDF), upload("b.png", PNG)], d)
    assert len(stored_files(folder)) == 2
    db.session.rollback()
    assert stored_files(folder) == [] and Attachment.query.count() == 0
    # A session closed without a commit (the request failed before it): the same.
    d = declaration_of(unit)
    store([upload("a.pdf", PDF)], d)
    db.session.close()
    assert stored_files(folder) == []
    # Committed files stay, and a later rollback of another transaction leaves them alone.
    d = declaration_of(unit)
    store([upload("a.pdf", PDF)], d)
    db.session.commit()
    db.session.rollback()
    assert len(stored_files(folder)) == 1


def test_a_failing_flush_removes_the_files(unit, folder):
    d = declaration_of(unit)
    rows = store([upload("a.pdf", PDF)], d)
    db.session.add(Attachment(declaration_id=d.id, org_id=d.org_id, filename="x.pdf",
                              stored_name=rows[0].stored_name, content_type="application/pdf", size=1, sha256="0"))
    with pytest.raises(Exception):
        db.session.commit()
    db.session.rollback()
    assert stored_files(folder) == []


# -- serving ------------------------------------------------------------------------------------------------
def url(att):
    return f"/admin/hours/attachments/{att.id}"


@pytest.fixture
def files(unit, folder):
    d = declaration_of(unit)
    rows = store([upload("2026年结业证书.pdf", PDF), upload("照片.png", PNG)], d)
    db.session.commit()
    return rows


def test_the_declaring_unit_gets_the_file_inline_with_strict_headers(auth, client, unit, files):
    auth.login(unit.admin)
    r = client.get(url(files[0]))
    assert r.status_code == 200 and r.data == PDF and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("inline;")
    assert f"filename*=UTF-8''{quote('2026年结业证书.pdf')}" in r.headers["Content-Disposition"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'self'" in csp and "script-src" not in csp
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert client.get(url(files[1])).mimetype == "image/png"


def test_superior_reviewer_and_operator_see_it(app, auth, unit, files):
    city_admin = make_admin(unit.city, "市管理")  # the reviewing org of a unit's declaration
    assert auth.login(city_admin, user_type="supervisor").status_code == 302
    assert auth.client.get(url(files[0])).status_code == 200
    province = app.test_client()
    from ..conftest import Auth

    Auth(province).login(make_admin(unit.province, "省管理"), user_type="supervisor")
    assert province.get(url(files[0])).status_code == 200
    operator = app.test_client()
    Auth(operator).login(make_account("客服小周", is_operator=True), user_type="operator")
    assert operator.get(url(files[0])).status_code == 200


def test_another_unit_and_wrong_ids_get_404(app, auth, client, unit, files):
    auth.login(unit.other_admin)
    assert client.get(url(files[0])).status_code == 404
    for bad in ("999999", "abc", "1.5", "-1", "%EF%BC%91", "9" * 30):
        assert client.get(f"/admin/hours/attachments/{bad}").status_code == 404
    branch = app.test_client()
    from ..conftest import Auth

    Auth(branch).login(make_admin(unit.branch, "分公司管理"))  # below the declaring unit: not its files
    assert branch.get(url(files[0])).status_code == 404


def test_a_staff_member_gets_404_on_the_admin_route_and_anonymous_goes_to_login(app, auth, client, unit, files):
    assert client.get(url(files[0])).status_code == 302
    person = make_person(unit.employer, "王五")
    auth.login(person.account, user_type="person")
    assert client.get(url(files[0])).status_code == 404


def test_a_person_sees_their_own_declaration_through_the_portal_helper(app, unit, folder):
    def portal_file(attachment_id):  # what the portal's route does (me.hours_attachment)
        return send_attachment(find_visible(attachment_id))

    app.add_url_rule("/me/test-attachment/<attachment_id>", "test_attachment", portal_file)
    owner = make_person(unit.employer, "张三")
    own = store([upload("我的证书.jpg", JPG)], declaration_of(unit, owner, declared_by="person"))[0]
    db.session.commit()
    from ..conftest import Auth

    mine, theirs = app.test_client(), app.test_client()
    Auth(mine).login(owner.account, user_type="person")
    r = mine.get(f"/me/test-attachment/{own.id}")
    assert r.status_code == 200 and r.data == JPG and r.headers["X-Content-Type-Options"] == "nosniff"
    Auth(theirs).login(make_person(unit.employer, "李雷").account, user_type="person")
    assert theirs.get(f"/me/test-attachment/{own.id}").status_code == 404


def test_a_file_missing_on_disk_is_a_chinese_404(auth, client, unit, files, folder):
    (folder / files[0].stored_name).unlink()
    auth.login(unit.admin)
    r = client.get(url(files[0]))
    assert r.status_code == 404 and "文件已不存在" in r.get_data(as_text=True)
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]


def test_the_list_macro_shows_thumbnails_and_pdf_frames(app, unit, files):
    with app.test_request_context():
        html = app.jinja_env.from_string(
            "{% from 'admin/hours/attachments.html' import attachment_list %}{{ attachment_list(atts) }}"
        ).render(atts=files)
        empty = app.jinja_env.from_string(
            "{% from 'admin/hours/attachments.html' import attachment_list %}{{ attachment_list([]) }}").render()
    assert f'<iframe src="/admin/hours/attachments/{files[0].id}"' in html
    assert f'<img src="/admin/hours/attachments/{files[1].id}"' in html and "2026年结业证书.pdf" in html
    assert "未上传证明材料" in empty


def test_proof_files_field_puts_every_problem_next_to_the_field(app, folder):
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict

    from forms.hours_files import ProofFilesField

    class F(FlaskForm):
        files = ProofFilesField(required=True)

    with app.test_request_context(method="POST"):
        form = F(formdata=MultiDict([("files", upload("a.pdf", EXE)), ("files", upload("b.gif", b"GIF89a"))]),
                 meta={"csrf": False})
        assert not form.validate() and len(form.files.errors) == 2 and "a.pdf" in form.files.errors[0]
        assert "单个文件不超过 10 MB" in form.files.description and ".pdf" in form.files(id="x")
        form = F(formdata=MultiDict([("files", FileStorage(stream=io.BytesIO(b""), filename=""))]),
                 meta={"csrf": False})
        assert not form.validate() and form.files.errors == ["请上传证明材料"]
        form = F(formdata=MultiDict([("files", upload("a.pdf", PDF))]), meta={"csrf": False})
        assert form.validate() and [f.filename for f in form.files.files] == ["a.pdf"]
