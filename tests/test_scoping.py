"""The scoped base on its own: foreign-key choices, ajax lookups and action ids of any view that uses it."""
from admin_views.base import MAX_ACTION_ROWS, ScopedModelView
from models import Person, db

from .helpers import csrf_token, make_department, make_person


class ProbeView(ScopedModelView):
    """A view with everything that can leak: a department dropdown, an org autocomplete, a bulk action."""

    permission = "stats.staff"
    form_columns = ["name", "department", "org"]
    form_ajax_refs = {"org": {"fields": ["name"]}}
    seen_ids = []

    from flask_admin.actions import action

    @action("probe", "探测")
    def action_probe(self, ids):
        ProbeView.seen_ids = list(ids)


def add_probe(app):
    app.extensions["admin"][0].add_view(ProbeView(Person, name="探测", endpoint="probe"))


def test_foreign_key_choices_only_show_the_scope(app, client, auth, unit):
    add_probe(app)
    make_department(unit.employer, "甲部门")
    make_department(unit.other, "乙部门")
    auth.login(unit.admin)
    page = client.get("/admin/probe/new/").get_data(as_text=True)
    assert "甲部门" in page and "乙部门" not in page


def test_posting_another_units_department_id_is_refused(app, client, auth, unit):
    add_probe(app)
    mine = make_department(unit.employer, "甲部门")
    theirs = make_department(unit.other, "乙部门")
    person = make_person(unit.employer, "甲员工", department=mine)
    auth.login(unit.admin)
    url = f"/admin/probe/edit/?id={person.id}"
    r = auth.post(url, {"name": "甲员工", "department": theirs.id, "org": unit.employer.id}, form_url=url)
    assert r.status_code == 200 and "不在您的管理范围内" in r.get_data(as_text=True)
    saved = db.session.get(Person, person.id)
    assert saved.department_id == mine.id and saved.org_id == unit.employer.id


def test_ajax_lookup_is_scoped_and_caps_the_limit(app, client, auth, unit):
    add_probe(app)
    auth.login(unit.admin)
    rows = client.get("/admin/probe/ajax/lookup/?name=org&query=有限公司&limit=100000").get_json()
    names = [r[1] for r in rows]
    assert unit.employer.name in names and unit.other.name not in names
    assert len(rows) <= 20


def test_action_ids_are_cast_scoped_and_capped(app, client, auth, unit):
    add_probe(app)
    mine = make_person(unit.employer, "甲员工")
    theirs = make_person(unit.other, "乙员工")
    auth.login(unit.admin)
    token = csrf_token(client.get("/admin/probe/").get_data(as_text=True))
    client.post("/admin/probe/action/", data={"csrf_token": token, "action": "probe",
                                              "rowid": [str(mine.id), str(theirs.id), "abc", "1 OR 1=1", "-5"]})
    assert ProbeView.seen_ids == [mine.id]
    r = client.post("/admin/probe/action/", data={"csrf_token": token, "action": "probe",
                                                  "rowid": [str(i) for i in range(MAX_ACTION_ROWS + 1)]})
    assert r.status_code == 400 and "一次最多处理" in r.get_data(as_text=True)
