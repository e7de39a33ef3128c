"""Pages outside the admin area: login and password, public registration, the staff self-service portal."""
from flask import redirect, request, session, url_for
from flask_login import current_user


def init_portal(app):
    from . import auth, certificate_check, me, me_certificates, me_hours, me_transfer, register  # noqa: F401 - me_* add routes to me.bp

    app.register_blueprint(auth.bp)
    app.register_blueprint(register.bp)
    app.register_blueprint(me.bp)
    app.register_blueprint(certificate_check.bp)

    @app.route("/")
    def home():
        if current_user.is_authenticated:
            return redirect(url_for(auth.landing_endpoint()))
        return redirect(url_for("auth.login"))

    @app.before_request
    def force_password_change():
        # A password reset by an admin is temporary: nothing else opens until a new one is set.
        if (current_user.is_authenticated and current_user.must_change_password
                and request.endpoint not in ("auth.change_password", "auth.logout", "static", "admin.static")):
            return redirect(url_for("auth.change_password"))

    @app.context_processor
    def navigation():
        from models import access

        memberships = []
        if current_user.is_authenticated and session.get("user_type") in ("employer", "supervisor", "base"):
            memberships = access.admin_orgs(current_user.id, session.get("user_type"))
        return {"nav_memberships": memberships, "nav_org": access.current_org()}
