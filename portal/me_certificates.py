"""个人自助 · 我的证书 (F33 with F30): the person's certificates by year, each with its state, verification link and
PDF. Routes join the "me" blueprint (its before_request admits logged-in, approved staff only); a year is always
the logged-in person's own, so nobody else's certificate can be asked for."""
import io

from flask import flash, g, redirect, render_template, request, send_file, url_for

from forms.input import to_id
from models import db
from models.certificates.own import own_certificate_pdf, own_years
from models.certificates.printing import verification_url

from .me import bp

NOT_MET = "该年度未达到学时要求，暂无证书"


@bp.route("/certificates")
def certificates():
    rows = own_years(g.person.id)
    links = {r.year: verification_url(r.certificate.token) for r in rows if r.certificate is not None}
    return render_template("me/certificates.html", person=g.person, rows=rows, links=links)


@bp.route("/certificates/download", methods=["POST"])
def certificate_download():
    """下载证书 of a met year: the PDF as a file; a year not met changes nothing and says so."""
    person = g.person
    year = to_id(request.form.get("year"))
    pdf = own_certificate_pdf(person, year) if year is not None else None
    if pdf is None:
        db.session.rollback()
        flash(NOT_MET, "error")
        return redirect(url_for("me.certificates"))
    db.session.commit()
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{year}年度继续教育证书_{person.name}.pdf", max_age=0)
