"""个人自助 · 我的学时 (F33 with F21): own records by year with their 认定结果, approved hours against the year's
学时规则, and declaring own hours with the learning forms that accept a person's declaration.

Routes join the "me" blueprint (its before_request admits logged-in, approved staff only). A person's declaration
goes to the person's unit for review (models.hours.records.reviewing_org_id).
"""
from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forms.hours import ALREADY_SUBMITTED, DeclarationForm, preview_answer, schema_answer
from forms.input import to_id
from models import Certificate, CreditRecord, Declaration, db, now
from models.access import current_actor
from models.hours import attachments
from models.hours.completion import shortfall, year_summary, years_of

from .me import bp

DECLARER = "person"


@bp.route("/hours")
def hours():
    person = g.person
    this_year = now().year
    years = sorted(set(years_of(person.id)) | {this_year}, reverse=True)
    year = to_id(request.args.get("year")) or this_year
    if year not in years:
        year = this_year
    records = db.session.scalars(
        select(CreditRecord).where(CreditRecord.person_id == person.id, CreditRecord.year == year)
        .options(joinedload(CreditRecord.form), joinedload(CreditRecord.declaration))
        .order_by(CreditRecord.end_date.desc(), CreditRecord.id.desc())).all()
    summaries = {y: year_summary(person.id, y) for y in years}
    certificates = {c.year: c for c in db.session.scalars(
        select(Certificate).where(Certificate.person_id == person.id))}
    completion = [(y, summaries[y], shortfall(summaries[y]), certificates.get(y)) for y in years]
    return render_template("me/hours.html", person=person, year=year, years=years, records=records,
                           summary=summaries[year], missing=shortfall(summaries[year]),
                           completion=completion)


@bp.route("/hours/<int:record_id>")
def hours_record(record_id):
    record = db.session.scalar(
        select(CreditRecord).where(CreditRecord.id == record_id, CreditRecord.person_id == g.person.id)
        .options(joinedload(CreditRecord.declaration).joinedload(Declaration.attachments)))
    if record is None:
        abort(404)
    own = record.declaration.person_id == g.person.id  # a unit's or a base's proof files stay theirs
    return render_template("me/hours_record.html", person=g.person, record=record,
                           files=record.declaration.attachments if own else None)


@bp.route("/hours/declare", methods=["GET", "POST"])
def hours_declare():
    person = g.person
    form = DeclarationForm(DECLARER)
    if request.method == "POST":
        if form.filed_before():
            flash(ALREADY_SUBMITTED, "warning")
            return redirect(url_for("me.hours"))
        if form.validate_on_submit():
            declaration = form.file([person.id], DECLARER, person.org, current_actor())
            if declaration is not None:
                db.session.commit()
                flash(f"学时申报已提交（{form.hours} 学时），等待{person.org.name}审核", "success")
                return redirect(url_for("me.hours", year=declaration.year))
            if form.already_submitted:
                flash(ALREADY_SUBMITTED, "warning")
                return redirect(url_for("me.hours"))
    return render_template("me/hours_declare.html", person=person, form=form, schema=form.schema(),
                           typed=form.typed_values())


@bp.route("/hours/schema")
def hours_schema():
    return jsonify(schema_answer(DECLARER, request.args.get("category"), request.args.get("form_id")))


@bp.route("/hours/preview", methods=["POST"])
def hours_preview():
    return jsonify(preview_answer(DECLARER, request.get_json(silent=True)))


@bp.route("/hours/attachments/<attachment_id>")
def hours_attachment(attachment_id):
    """A proof file of the person's own declaration (anything else: 404)."""
    return attachments.send_attachment(attachments.find_visible(attachment_id))
