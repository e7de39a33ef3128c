"""个人自助 (F33): the staff member's own pages."""
from flask import Blueprint, abort, g, render_template, session
from flask_login import login_required

bp = Blueprint("me", __name__, url_prefix="/me")


@bp.before_request
@login_required
def require_person():
    if session.get("user_type") != "person" or g.get("person") is None:
        abort(403)


@bp.route("/")
def index():
    return render_template("me/index.html", person=g.person)
