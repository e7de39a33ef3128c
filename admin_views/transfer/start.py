"""账户管理 · 人员调出 (F17): start a transfer for a person of the own subtree; withdraw one not yet completed.

The person is picked from a scoped search; the target is any approved employer of the platform, of
which the search shows name, USCC and region only.
"""
from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from sqlalchemy.orm import joinedload

from forms.input import to_id
from forms.transfer import TransferOutForm
from models import Organization, Person, db
from models import transfer as tr

from models import access
from ..base import MAX_LOOKUP_ROWS
from .listing import TransferView


def target_text(row) -> str:
    return f"{row.name}（{row.uscc or '无统一社会信用代码'}，{row.region or '地区未填'}）"


def person_text(person) -> str:
    return f"{person.name}（{person.masked_id}，{person.org.name}）"


class TransferOutView(TransferView):
    permission = "transfer.out"
    side = "out"
    statuses = tr.ACTIVE
    can_create = True
    column_list = ["person", "id_number", "from_org", "to_org", "reason", "transfer_date", "status",
                   "initiated_by_name", "created_at"]
    action_button_classes = {"cancel": "btn-outline-danger"}
    empty_message = "暂无进行中的调出申请"
    intro = "本单位（含下属单位）进行中的调出申请。调出申请经本单位调出审核、调入单位确认后，人员调转完成；完成前发起方可以撤销。"

    def _people(self):
        return access.scope(Person.query, Person).filter(Person.status == "approved")

    def _person(self, person_id):
        if not isinstance(person_id, int):
            return None
        return self._people().filter(Person.id == person_id).options(joinedload(Person.org)).one_or_none()

    @staticmethod
    def _target(org_id):
        """The chosen target, read by id (the model refuses what may not be chosen); None for junk."""
        return db.session.get(Organization, org_id) if isinstance(org_id, int) else None

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        form = TransferOutForm()
        if form.validate_on_submit():
            person = self._person(form.person_id.data)
            if person is None:
                form.person_id.errors.append("请选择本单位（含下属单位）已审核通过的人员")
            else:
                try:
                    tr.start(person, self._target(form.to_org_id.data), form.reason.data, form.transfer_date.data,
                             access.current_actor(), "unit")
                except tr.Refusal as e:
                    db.session.rollback()
                    (form[e.field].errors.append(str(e)) if e.field in form else flash(str(e), "error"))
                else:
                    name = person.name
                    db.session.commit()
                    flash(f"已发起{name}的调出申请，等待人员调出审核", "success")
                    return redirect(url_for(".index_view"))
        return self.render("admin/transfer/out_form.html", form=form,
                           chosen_person=self._chosen_person(form.person_id.data),
                           chosen_target=self._chosen_target(form.to_org_id.data))

    def _chosen_person(self, raw):
        person = self._person(to_id(raw))
        return [person.id, person_text(person)] if person else None

    def _chosen_target(self, raw):
        pk = to_id(raw)
        if pk is None:
            return None
        row = db.session.execute(
            db.select(Organization.id, Organization.name, Organization.uscc, Organization.region)
            .where(Organization.id == pk, Organization.status == "approved", Organization.kind == "employer")
        ).first()
        return [row.id, target_text(row)] if row else None

    @expose("/persons.json")
    def persons_json(self):
        """Search box of 调出人员: approved people of the admin's subtree, by name or ID number."""
        term = (request.args.get("query") or "").strip()[:30]
        if not term:
            return jsonify([])
        found = self._people().filter(
            Person.name.contains(term, autoescape=True) | Person.id_number.startswith(term.upper(), autoescape=True)
        ).options(joinedload(Person.org)).order_by(Person.name, Person.id).limit(MAX_LOOKUP_ROWS).all()
        return jsonify([[p.id, person_text(p)] for p in found])

    @expose("/person.json")
    def person_json(self):
        """The picked person's details, filled into the form (404 outside the admin's subtree)."""
        person = self._person(to_id(request.args.get("id")))
        if person is None:
            abort(404)
        active = tr.active_transfer(person.id)
        return jsonify({
            "name": person.name, "id_number": person.masked_id, "gender": person.gender,
            "birth_date": person.birth_date.strftime("%Y-%m-%d"), "org": person.org.name,
            "department": person.department.name if person.department else "",
            "education": person.education or "", "title": " ".join(
                v for v in (person.title_series, person.title_name, person.title_level) if v),
            "active_transfer": f"该人员已有进行中的调转（{active.status_label}）" if active else "",
        })

    @expose("/targets.json")
    def targets_json(self):
        """Search box of 调入单位: every approved employer — name, USCC and region, nothing more."""
        return jsonify([[r.id, target_text(r)] for r in tr.target_candidates(request.args.get("query"))])

    @action("cancel", "撤销调转", "确定撤销所选的调出申请吗？")
    def action_cancel(self, ids):
        self.run_step("cancel", ids)
