"""登录 / 选择单位 / 修改密码 / 忘记密码 / 退出登录 (F3–F6), and the server-side end of a session."""
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from forms.auth import ChangePasswordForm, ChooseOrgForm, ForgotPasswordForm, LoginForm, ResetPasswordForm
from models import Account, PasswordResetCode, Throttle, audit, db
from models.account import PASSWORD_LOCKED, PASSWORD_OK, RESET_CODE_LIFETIME, check_password_with_lock
from models.login import LOCKED, check_login

from .mail import send_mail

bp = Blueprint("auth", __name__)
ADMIN_TYPES = ("employer", "supervisor", "base")
SENT = "如果您填写的信息与注册信息一致，验证码已发送到注册邮箱，15分钟内有效。"
TIMED_OUT = "登录已超时，请重新登录"


def landing_endpoint():
    return "me.index" if session.get("user_type") == "person" else "admin.index"


def _safe_next(target):
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return None


# -- session lifetime -------------------------------------------------------------------------------
def begin_session(account: Account, user_type: str):
    """A fresh session for a login; its signed timestamps bound its life (see end_expired_session)."""
    session.clear()
    login_user(account)
    session.permanent = True  # the cookie itself expires with PERMANENT_SESSION_LIFETIME (= SESSION_MAX_HOURS)
    session["user_type"] = user_type
    session["login_at"] = session["seen_at"] = int(time.time())


def end_session():
    """Log out on the server: bumping session_version makes every cookie issued to this account so far —
    a copy of this one included — refused by the user loader. The account's other sessions end too."""
    if current_user.is_authenticated:
        account = current_user._get_current_object()
        account.session_version = (account.session_version or 0) + 1
        db.session.commit()
    logout_user()
    session.clear()


def _counts_as_activity() -> bool:
    # Only what the user opens or submits keeps a session alive; a page polling in the background
    # (the 待办事项 refresh, Sec-Fetch-Mode: cors) would otherwise keep an abandoned tab logged in forever.
    return request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate"


def end_expired_session():
    """before_request: a logged-in session ends after SESSION_IDLE_MINUTES without a request of the user
    or SESSION_MAX_HOURS after its login, whatever the cookie says about itself."""
    if not current_user.is_authenticated:
        return None
    t = int(time.time())
    login_at, seen_at = session.get("login_at"), session.get("seen_at")
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    longest = current_app.config["SESSION_MAX_HOURS"] * 3600
    if not isinstance(login_at, int) or not isinstance(seen_at, int) or t - seen_at > idle or t - login_at > longest:
        logout_user()
        session.clear()
        flash(TIMED_OUT, "warning")
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    if _counts_as_activity() and t - seen_at >= 60:  # a minute's precision spares a new cookie per click
        session["seen_at"] = t
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        result = check_login(form.user_type.data, form.id_number.data, form.password.data, request.remote_addr)
        db.session.commit()  # the login time; failure counters and locks are already committed on their own
        if result.ok:
            next_url = _safe_next(request.args.get("next"))
            begin_session(result.account, form.user_type.data)
            if form.user_type.data in ADMIN_TYPES:
                if len(result.memberships) > 1:
                    return redirect(url_for("auth.choose_org", next=next_url))
                session["org_id"] = result.memberships[0].org_id
            return redirect(next_url or url_for(landing_endpoint()))
        error, status = result.error, 429 if result.too_many else 200
    return render_template("public/login.html", form=form, error=error), status


@bp.route("/choose-org", methods=["GET", "POST"])
@login_required
def choose_org():
    from models.access import admin_orgs

    user_type = session.get("user_type")
    if user_type not in ADMIN_TYPES:
        abort(404)
    memberships = [m for m in admin_orgs(current_user.id, user_type) if m.org.status == "approved"]
    form = ChooseOrgForm()
    form.org_id.choices = [(m.org_id, f"{m.org.name}（{m.role_label}）") for m in memberships]
    if form.validate_on_submit():
        session["org_id"] = form.org_id.data
        flash(f"当前管理单位：{dict(form.org_id.choices)[form.org_id.data].split('（')[0]}", "success")
        return redirect(_safe_next(request.args.get("next")) or url_for("admin.index"))
    return render_template("public/choose_org.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    end_session()
    flash("您已安全退出", "info")
    return redirect(url_for("auth.login"))


def _render_change_password(form):
    """Admins keep the back office around the form (menu and all); staff keep the portal layout."""
    account = current_user._get_current_object()
    if session.get("user_type") in ADMIN_TYPES:
        admin = current_app.extensions["admin"][0]
        return admin.index_view.render("public/change_password.html", form=form, account=account)
    return render_template("public/change_password.html", form=form, account=account)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        account = current_user._get_current_object()
        verdict = check_password_with_lock(account, form.current_password.data, "修改密码时连续密码错误")
        if verdict == PASSWORD_LOCKED:
            end_session()  # whoever guesses here holds a session: it must not outlive the lock
            flash(LOCKED, "error")
            return redirect(url_for("auth.login"))
        if verdict != PASSWORD_OK:
            form.current_password.errors.append("原密码不正确")
        elif form.new_password.data == form.current_password.data:
            form.new_password.errors.append("新密码不能与原密码相同")
        else:
            with audit.action("password"):
                account.set_password(form.new_password.data)
                account.record_login()  # a temporary password replaced: from now on the owner's own logins
            db.session.commit()
            login_user(account)  # the session version changed: keep this session, end all others
            flash("密码修改成功", "success")
            return redirect(url_for(landing_endpoint()))
    return _render_change_password(form)


# -- forgot / reset: the ID number travels in a signed, expiring token, never in the URL -------------
def _reset_tokens():
    return URLSafeTimedSerializer(current_app.secret_key, salt="reset-password")


def _id_from_token(token):
    try:
        return _reset_tokens().loads(token or "", max_age=int(RESET_CODE_LIFETIME.total_seconds()))
    except BadSignature:
        return None


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        ip_ok = Throttle.hit(f"forgot-ip:{request.remote_addr}", 20, timedelta(hours=1))
        id_ok = Throttle.hit(f"forgot-id:{form.id_number.data}", 3, timedelta(minutes=15))
        if not (ip_ok and id_ok):
            db.session.commit()
            form.id_number.errors.append("操作过于频繁，请15分钟后再试")
            return render_template("public/forgot_password.html", form=form), 429
        account = db.session.scalar(select(Account).where(Account.id_number == form.id_number.data))
        contact = form.contact.data.lower()
        if account and account.email and contact in ((account.email or "").lower(), account.phone or ""):
            code = PasswordResetCode.issue(account)
            send_mail(account.email, "【继续教育公共服务平台】找回密码验证码",
                      f"{account.name}，您好：\n\n您正在找回平台登录密码，验证码为 {code}，15分钟内有效。"
                      "\n如非本人操作，请忽略本邮件。")
        db.session.commit()
        flash(SENT, "info")
        # Every submitted ID gets a token, registered or not: the page tells nothing about it.
        return redirect(url_for("auth.reset_password", t=_reset_tokens().dumps(form.id_number.data)))
    return render_template("public/forgot_password.html", form=form)


@bp.route("/reset-password", methods=["GET", "POST"])
def reset_password():
    form = ResetPasswordForm()
    if request.method == "GET" and request.args.get("t"):
        form.id_number.data = _id_from_token(request.args["t"])
    if form.validate_on_submit():
        if not Throttle.hit(f"reset-ip:{request.remote_addr}", 30, timedelta(hours=1)):
            db.session.commit()
            form.code.errors.append("操作过于频繁，请稍后再试")
            return render_template("public/reset_password.html", form=form), 429
        account = db.session.scalar(select(Account).where(Account.id_number == form.id_number.data))
        if account is None or not PasswordResetCode.redeem(account, form.code.data):
            db.session.commit()
            form.code.errors.append("验证码错误或已过期，请重新获取")
        else:
            with audit.action("reset_password"):
                account.set_password(form.new_password.data)
                account.unlock()
            db.session.commit()
            flash("密码已重置，请使用新密码登录", "success")
            return redirect(url_for("auth.login"))
    return render_template("public/reset_password.html", form=form)
