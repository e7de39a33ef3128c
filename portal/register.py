"""用人单位注册 (F1) and 专技人员注册 (F2): public pages."""
from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from forms.input import to_id
from forms.registration import PersonRegistrationForm, UnitRegistrationForm
from models import db
from models.registration import (RegistrationError, approved_departments, approved_org, register_person,
                                 register_unit, search_approved_orgs)
from models.validators import birth_date_of, gender_of

bp = Blueprint("register", __name__, url_prefix="/register")

RACE = "该单位或身份证号刚刚被他人注册，请核对后重新提交"
DONE = {
    "unit": "注册已提交，请等待上级主管部门审核，审核通过后即可登录",
    "person": "注册已提交，请等待单位管理员审核",
}


def _save(form, write):
    """Run one registration in one transaction; refusals land next to their fields and write nothing
    (a wrong password's count is committed on its own by models.account, as for a login)."""
    try:
        write()
        db.session.commit()
        return True
    except RegistrationError as e:
        db.session.rollback()
        for name, message in e.errors.items():
            form[name].errors.append(message)
    except IntegrityError:  # a concurrent registration took the same USCC or ID number first
        db.session.rollback()
        form.form_errors.append(RACE)
    return False


def _refill_org_name(id_field, name_field):
    """Show the chosen org's real name again after a refused submit; drop a choice that is not allowed."""
    org = approved_org(id_field.data)
    if org is None:
        id_field.data = ""
    else:
        name_field.data = org.name


@bp.route("/unit", methods=["GET", "POST"])
def unit():
    form = UnitRegistrationForm()
    if form.validate_on_submit():
        if _save(form, lambda: register_unit(form.org_data(), form.superior_id.data, form.admin_data(),
                                             form.password.data)):
            return redirect(url_for("register.done", who="unit"))
    if request.method == "POST":
        _refill_org_name(form.superior_id, form.superior_name)
    return render_template("public/register_unit.html", form=form)


@bp.route("/person", methods=["GET", "POST"])
def person():
    form = PersonRegistrationForm()
    if form.validate_on_submit():
        if _save(form, lambda: register_person(form.person_data(), form.employer_id.data, form.department(),
                                               form.contact(), form.password.data)):
            return redirect(url_for("register.done", who="person"))
    derived = None
    if request.method == "POST":
        _refill_org_name(form.employer_id, form.employer_name)
        if form.employer_id.data:
            form.department_id.choices = [("", "请选择")] + [
                (str(d.id), d.name) for d in approved_departments(form.employer_id.data)]
        if form.id_number.data and not form.id_number.errors:
            derived = {"gender": gender_of(form.id_number.data), "birth_date": birth_date_of(form.id_number.data)}
    return render_template("public/register_person.html", form=form, derived=derived)


@bp.route("/done/<who>")
def done(who):
    if who not in DONE:
        abort(404)
    return render_template("public/register_done.html", message=DONE[who])


@bp.route("/orgs.json")
def orgs_json():
    """Approved organizations by name, for the superior / employer search boxes. Nothing beyond id, name, region."""
    return jsonify([{"id": o.id, "name": o.name, "region": o.region}
                    for o in search_approved_orgs(request.args.get("q", ""))])


@bp.route("/departments.json")
def departments_json():
    org_id = to_id(request.args.get("org_id"))
    rows = approved_departments(org_id) if org_id else []
    return jsonify([{"id": d.id, "name": d.name} for d in rows])
