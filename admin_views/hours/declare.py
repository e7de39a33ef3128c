"""学时（分）申报 · 学时申报 (F21): a unit declares hours for staff of its subtree, a training base for people it
trained (身份证号 + 姓名 pairs). Each applicant gets a pending record; the declaration, its records, its proof files
and their audit entries are written in one transaction. The rules are models.hours'; this page gathers input.
"""
from flask import flash, jsonify, redirect, request, url_for
from flask_admin import expose

from forms.hours import ALREADY_SUBMITTED, DeclarationForm, preview_answer, schema_answer
from forms.input import to_id
from models import Person, access, db
from models.hours import applicants
from models.hours.records import NO_APPLICANTS

from ..base import MAX_LOOKUP_ROWS, ScopedView
from ..filters import starts_with

def person_option(person) -> dict:
    """What the picker shows of a person: name and masked ID, nothing more."""
    return {"id": person.id, "name": person.name, "masked_id": person.masked_id}


class DeclareView(ScopedView):
    permission = "hours.declare"
    org_kinds = ("employer", "supervisor", "base")

    def is_accessible(self):
        # The platform operator acts for no unit: there is nobody it could declare for.
        return super().is_accessible() and access.current_org() is not None

    @property
    def declarer(self):
        return "base" if access.current_org().kind == "base" else "unit"

    def _people(self):
        return access.scoped_select(Person).where(Person.status == "approved")

    @expose("/", methods=("GET", "POST"))
    def index(self):
        declarer = self.declarer
        form = DeclarationForm(declarer)
        chosen = []
        if request.method == "POST":
            if form.filed_before():
                flash(ALREADY_SUBMITTED, "warning")
                return redirect(url_for("hours_records.index_view"))
            valid = form.validate_on_submit()
            person_ids, problems = self._applicants(form, declarer)
            if declarer == "unit":
                chosen = self._chosen(form.applicants.data)
            if valid and not problems:
                declaration = form.file(person_ids, declarer, access.current_org(), access.current_actor())
                if declaration is not None:
                    db.session.commit()
                    flash(f"已提交 {declaration.applicants} 人的学时申报（每人 {form.hours} 学时），等待审核",
                          "success")
                    return redirect(url_for("hours_records.index_view"))
                if form.already_submitted:
                    flash(ALREADY_SUBMITTED, "warning")
                    return redirect(url_for("hours_records.index_view"))
        return self.render("admin/hours/declare.html", form=form, declarer=declarer, chosen=chosen,
                           schema=form.schema(), typed=form.typed_values())

    def _applicants(self, form, declarer):
        """(person ids, problems put on the applicants' field) of what was posted."""
        if declarer == "base":
            ids, problems = applicants.match_pairs(form.people.data)
            if not ids and not problems:
                problems = [NO_APPLICANTS]
            form.people.errors = [*form.people.errors, *problems]
        else:
            ids, problem = applicants.in_scope(self._people(), form.applicants.data or [])
            problems = [problem] if problem else ([] if ids else [NO_APPLICANTS])
            form.applicants.errors = [*form.applicants.errors, *problems]
        return (ids if not problems else []), problems

    def _chosen(self, raw_ids):
        """The picked applicants shown again after an error: those of the actor's scope, masked."""
        ids = [i for i in (to_id(r) for r in raw_ids or []) if i is not None]
        if not ids:
            return []
        rows = db.session.scalars(self._people().where(Person.id.in_(ids)).order_by(Person.name, Person.id))
        return [person_option(p) for p in rows]

    @expose("/people")
    def people(self):
        """The applicants picker's search: approved staff of the subtree whose 姓名 or 身份证号 starts with q."""
        term = (request.args.get("q") or "").strip()[:30]
        if self.declarer != "unit" or not term:
            return jsonify([])  # a base finds people by typing ID + name, never by searching
        query = self._people().where(starts_with(Person.name, term) | starts_with(Person.id_number, term))
        rows = db.session.scalars(query.order_by(Person.name, Person.id).limit(MAX_LOOKUP_ROWS))
        return jsonify([person_option(p) for p in rows])

    @expose("/schema")
    def schema(self):
        return jsonify(schema_answer(self.declarer, request.args.get("category"), request.args.get("form_id")))

    @expose("/preview", methods=("POST",))
    def preview(self):
        return jsonify(preview_answer(self.declarer, request.get_json(silent=True)))


def add_views(admin, declare_category, review_category, platform_category):
    admin.add_view(DeclareView(name="学时申报", category=declare_category, endpoint="hours_declare",
                               url="/admin/hours/declare"))
