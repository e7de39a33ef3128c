"""个人自助 · 调转申请 (F17 via F33): a staff member applies to move to another unit, follows it, may withdraw it.

Routes join the "me" blueprint (its before_request admits logged-in, approved staff only); the
application then waits in the own unit's 人员调出审核 like one the unit started.
"""
from flask import flash, g, jsonify, redirect, render_template, request, url_for

from forms.input import to_id
from forms.transfer import SelfTransferForm
from models import Organization, db
from models import transfer as tr

from models.access import current_actor

from .me import bp


@bp.route("/transfer", methods=["GET", "POST"])
def transfer():
    person = g.person
    active = tr.active_transfer(person.id)
    form = SelfTransferForm()
    if form.validate_on_submit():
        target = db.session.get(Organization, form.to_org_id.data)
        try:
            tr.start(person, target, form.reason.data, form.transfer_date.data, current_actor(), "self")
        except tr.Refusal as e:
            db.session.rollback()
            if e.field in form:
                form[e.field].errors.append(str(e))
            else:
                flash(str(e), "error")
        else:
            db.session.commit()
            flash("调转申请已提交，等待本单位调出审核", "success")
            return redirect(url_for("me.transfer"))
    target_id = to_id(form.to_org_id.raw_data[0]) if form.to_org_id.raw_data else None
    chosen = _target_row(target_id) if target_id else None
    return render_template("me/transfer.html", person=person, active=active, form=form, chosen=chosen,
                           history=tr.transfers_of_person(person.id))


def _target_row(org_id):
    """The posted target, shown again in the search box after an error: what the search itself shows."""
    return db.session.execute(
        db.select(Organization.id, Organization.name, Organization.uscc, Organization.region)
        .where(Organization.id == org_id, Organization.status == "approved", Organization.kind == "employer")
    ).first()


@bp.route("/transfer/<int:transfer_id>/cancel", methods=["POST"])
def cancel_transfer(transfer_id):
    try:
        tr.cancel(transfer_id, current_actor())
    except ValueError as e:
        db.session.rollback()
        flash(str(e), "error")
    else:
        db.session.commit()
        flash("调转申请已撤销", "success")
    return redirect(url_for("me.transfer"))


@bp.route("/transfer/targets.json")
def transfer_targets():
    """Approved employers by name or USCC: id, name, USCC and region only."""
    return jsonify([{"id": r.id, "name": r.name, "uscc": r.uscc, "region": r.region}
                    for r in tr.target_candidates(request.args.get("q"))])
