"""电子证书查验 (public, no login): GET /v/<token>, the address the certificate's QR code holds.

Shows nothing beyond name, unit, year and hours (the unit is the one at issue). The token is the only key; an
unknown or malformed one is a plain 404, the same for both, and every look-up counts against the visitor's
address (models.account.Throttle), so tokens cannot be guessed at speed.
"""
import re
from datetime import timedelta

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import Throttle, db
from models.certificates import Certificate
from models.hours.totals import PersonYearHours

bp = Blueprint("verify", __name__)  # public: the access matrix knows "verify." as such

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,32}")  # secrets.token_urlsafe(16) gives 22 of these
TOO_MANY = "查验过于频繁，请稍后再试（每个网络地址每小时最多查验 {limit} 次）"


@bp.route("/v/<token>")
def certificate(token):
    limit = current_app.config.get("CERTIFICATE_CHECKS_PER_HOUR", 60)
    if not Throttle.hit(f"cert-check:{request.remote_addr}", limit, timedelta(hours=1)):
        abort(429, TOO_MANY.format(limit=limit))
    if not TOKEN.fullmatch(token):
        abort(404)
    cert = db.session.scalar(select(Certificate).where(Certificate.token == token)
                             .options(joinedload(Certificate.person), joinedload(Certificate.org)))
    if cert is None:
        abort(404)
    hours = None if cert.revoked else db.session.get(PersonYearHours, (cert.person_id, cert.year))
    response = current_app.make_response(render_template("public/certificate_check.html", cert=cert, hours=hours))
    response.headers["Cache-Control"] = "no-store"  # a revocation shows at once
    response.headers["X-Robots-Tag"] = "noindex"
    return response
