"""个人自助 (F33): the staff member's own pages."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forms.me import PersonChangeForm
from models import CreditRecord, Department, db, now
from models import transfer as tr
from models.change_requests import (describe, describe_many, pending_person_request, person_requests,
                                    person_values, submit_person_change)
from models.hours.completion import shortfall, year_summary

bp = Blueprint("me", __name__, url_prefix="/me")
LATEST_RECORDS = 5


@bp.before_request
@login_required
def require_person():
    if session.get("user_type") != "person" or g.get("person") is None:
        abort(403)


@bp.route("/")
def index():
    """个人信息 and what is going on: this year's hours against the rule, what waits for a decision, the latest
    records. A fixed number of queries: a person has one pending request and one active transfer at most."""
    person = g.person
    year = now().year
    summary = year_summary(person.id, year)
    latest = db.session.scalars(
        select(CreditRecord).where(CreditRecord.person_id == person.id)
        .options(joinedload(CreditRecord.form), joinedload(CreditRecord.declaration))
        .order_by(CreditRecord.end_date.desc(), CreditRecord.id.desc()).limit(LATEST_RECORDS)).all()
    pending = pending_person_request(person)
    return render_template("me/index.html", person=person, account=current_user, year=year, summary=summary,
                           missing=shortfall(summary), pending=pending,
                           pending_rows=describe(pending) if pending else None,
                           transfer=tr.active_transfer(person.id), latest=latest)


@bp.route("/change", methods=["GET", "POST"])
def change():
    """修改个人信息: the edit becomes one change request that the unit reviews (F15)."""
    person = g.person
    pending = pending_person_request(person)
    form = PersonChangeForm(data=PersonChangeForm.initial(person_values(person)))
    form.set_departments(db.session.scalars(
        select(Department).where(Department.org_id == person.org_id).order_by(Department.name)))
    error = None
    if request.method == "POST" and pending is not None:
        error = "您已有一条待审核的修改申请，审核完成前不能再次提交"
    elif form.validate_on_submit():
        try:
            submit_person_change(person, form.values(), current_user.id)
        except ValueError as e:
            db.session.rollback()
            error = str(e)
        else:
            db.session.commit()
            flash("修改申请已提交，单位管理员审核通过后生效", "success")
            return redirect(url_for("me.change"))
    history = person_requests(person)
    return render_template("me/change.html", form=form, pending=pending, history=history,
                           rows=describe_many(history), error=error, person=person)
