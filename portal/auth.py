"""登录 / 选择单位 / 修改密码 / 忘记密码 / 退出登录 (F3–F6)."""
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from forms.auth import ChangePasswordForm, ChooseOrgForm, ForgotPasswordForm, LoginForm, ResetPasswordForm
from models import Account, PasswordResetCode, Throttle, audit, db
from models.login import check_login
from models.validators import normalize_id_number

from .mail import send_mail

bp = Blueprint("auth", __name__)
ADMIN_TYPES = ("employer", "supervisor", "base")
SENT = "如果您填写的信息与注册信息一致，验证码已发送到注册邮箱，15分钟内有效。"


def landing_endpoint():
    return "me.index" if session.get("user_type") == "person" else "admin.index"


def _safe_next(target):
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        result = check_login(form.user_type.data, form.id_number.data, form.password.data)
        db.session.commit()  # failure counters and lock events are kept either way
        if result.ok:
            next_url = _safe_next(request.args.get("next"))
            session.clear()
            login_user(result.account)
            session["user_type"] = form.user_type.data
            if form.user_type.data in ADMIN_TYPES:
                if len(result.memberships) > 1:
                    return redirect(url_for("auth.choose_org", next=next_url))
                session["org_id"] = result.memberships[0].org_id
            return redirect(next_url or url_for(landing_endpoint()))
        error = result.error
    return render_template("public/login.html", form=form, error=error)


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
    logout_user()
    session.clear()
    flash("您已安全退出", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("原密码不正确")
        elif form.new_password.data == form.current_password.data:
            form.new_password.errors.append("新密码不能与原密码相同")
        else:
            with audit.action("password"):
                current_user.set_password(form.new_password.data)
            db.session.commit()
            login_user(current_user)  # the session version changed: keep this session, end all others
            flash("密码修改成功", "success")
            return redirect(url_for(landing_endpoint()))
    return render_template("public/change_password.html", form=form)


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
        return redirect(url_for("auth.reset_password", id=form.id_number.data))
    return render_template("public/forgot_password.html", form=form)


@bp.route("/reset-password", methods=["GET", "POST"])
def reset_password():
    form = ResetPasswordForm()
    if request.method == "GET" and request.args.get("id"):
        try:
            form.id_number.data = normalize_id_number(request.args["id"])
        except ValueError:
            pass
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
