"""接口令牌 (REST API /api/v1): who a request with ``Authorization: Bearer <secret>`` acts as, and what it may do.

A token belongs to one org and was made by that org's super admin. Only the SHA-256 of its secret is stored (the
secret is shown once, when it is made); the first characters are kept apart as its ``prefix``, so a list can tell
tokens apart without holding anything that opens them.

What a token may do is re-read on every request: the scopes it was given, intersected with the permissions its
creator holds in its org *now* (models/admin.AdminMembership.permissions). A creator who loses a permission, the
membership or the account (停用) takes it from the token at the next request; so does a unit that is disabled.

Pushes (POST /api/v1/credits) are idempotent by a client-supplied key: ``ApiPush`` holds (org, key) once, with the
hash of the body and the declaration it filed, so a retried push returns the first result and never files twice.
"""
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app, g
from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import permissions
from .account import Account, Throttle, _own_connection
from .admin import AdminMembership
from .base import BigId, db, now
from .org import Organization, OrgScoped

# scope code → (the permission of the web page that does the same, what it lets a client do)
SCOPES = {
    "persons:read": ("stats.staff", "读取专技人员信息"),
    "completion:read": ("stats.completion", "读取继教完成情况"),
    "credits:write": ("hours.declare", "推送学时记录（学时申报）"),
    "credits:read": ("hours.records", "读取学时记录及审核状态"),
    "certificates:read": ("stats.certificates", "读取电子证书"),
}
SECRET_PREFIX = "jxjy_"
PREFIX_LENGTH = 12  # "jxjy_" and 7 characters of the random part
NAME_MAX = 30
MAX_LIFETIME_DAYS = 366  # "at most a year" from today, a leap day included
RATE_LIMIT = 600  # requests per token and RATE_WINDOW (config API_RATE_LIMIT)
RATE_WINDOW = timedelta(minutes=1)
USE_PRECISION = timedelta(minutes=1)  # last used time/IP are written at most once a minute per token and address

NOT_SUPER = "只有本单位的超级管理员可以创建接口令牌"
UNKNOWN_SCOPE = "包含无效的权限范围"
NO_SCOPE = "请至少选择一项权限范围"
BEYOND = "不能授予自己没有的权限：{labels}"
NO_NAME = "请填写令牌名称"
NAME_TOO_LONG = f"令牌名称最长{NAME_MAX}个字"
NAME_TAKEN = "本单位已有同名的有效令牌"
NO_EXPIRY = "请填写有效期"
EXPIRY_PAST = "有效期须晚于今天"
EXPIRY_TOO_FAR = "有效期最长一年（至 {day}）"
ALREADY_REVOKED = "该令牌已被吊销"

# Why a token does not open the API (401), the same words whoever asks.
NO_TOKEN = "缺少接口令牌：请在请求头中提供 Authorization: Bearer <令牌>"
BAD_TOKEN = "接口令牌无效"
REVOKED = "接口令牌已被吊销"
EXPIRED = "接口令牌已过期"
CREATOR_GONE = "接口令牌的创建人已停用或已不是本单位管理员，令牌失效"
ORG_GONE = "接口令牌所属单位已停用"
MISSING_SCOPE = "该接口令牌没有“{label}”权限（{scope}）"
CREATOR_LACKS = "接口令牌的创建人已没有“{label}”权限，令牌不能再执行此操作"
RATE_LIMITED = "请求过于频繁：每个令牌每分钟最多 {n} 次请求，请稍后重试"


class ApiToken(OrgScoped, db.Model):
    __tablename__ = "api_token"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False, index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    prefix: Mapped[str] = mapped_column(String(PREFIX_LENGTH), nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True, info={"audit": "mask"})
    scopes: Mapped[list] = mapped_column(JSON, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(info={"audit": False})
    last_used_ip: Mapped[str | None] = mapped_column(String(45), info={"audit": False})

    org = relationship("Organization")
    created_by = relationship("Account", foreign_keys=[created_by_id], lazy="joined")

    def __str__(self):
        return f"{self.name}（{self.prefix}…）"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "已吊销"
        return "已过期" if self.expires_at <= now() else "有效"

    @property
    def scope_labels(self) -> str:
        return "、".join(SCOPES[s][1] for s in clean_scopes(self.scopes))

    @property
    def audit_name(self) -> str:
        """How audit entries name the token (actor_role, 50 characters)."""
        return f"接口令牌「{self.name}」{self.prefix}"[:50]


class ApiPush(OrgScoped, db.Model):
    """One accepted push: its key is the client's, unique per org; the body's hash tells a retry from a misuse."""

    __tablename__ = "api_push"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(100), nullable=False)
    body_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id"), nullable=False)
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("credit_declaration.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)

    __table_args__ = (UniqueConstraint("org_id", "idempotency_key", name="uq_api_push_org_key"),)


def clean_scopes(scopes) -> list[str]:
    wanted = set(scopes or ())
    return [s for s in SCOPES if s in wanted]


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def body_digest(body) -> str:
    """The same JSON, however its keys were ordered or spaced, gives the same hash."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                          .encode()).hexdigest()


def scope_problems(scopes, granted) -> str | None:
    """Why ``scopes`` may not be given by someone holding ``granted`` permission codes, or None."""
    scopes = list(scopes or ())
    if any(s not in SCOPES for s in scopes):
        return UNKNOWN_SCOPE
    if not scopes:
        return NO_SCOPE
    beyond = [s for s in clean_scopes(scopes) if SCOPES[s][0] not in granted]
    if beyond:
        return BEYOND.format(labels="、".join(SCOPES[s][1] for s in beyond))
    return None


def offered_scopes(granted) -> list[tuple[str, str]]:
    """(scope, label) the creator may give: those whose permission it holds."""
    return [(s, f"{label}（{s}）") for s, (code, label) in SCOPES.items() if code in granted]


def expiry_problem(day) -> str | None:
    if day is None:
        return NO_EXPIRY
    today = now().date()
    if day <= today:
        return EXPIRY_PAST
    last = today + timedelta(days=MAX_LIFETIME_DAYS - 1)
    if day > last:
        return EXPIRY_TOO_FAR.format(day=last.isoformat())
    return None


def _end_of(day) -> datetime:
    """A token "valid until 2027-06-30" works all of that day."""
    if isinstance(day, datetime):
        return day
    return datetime.combine(day, time(23, 59, 59))


def issue(org: Organization, creator_account: Account, name: str, scopes, expires_at) -> tuple[ApiToken, str]:
    """A new token of ``org`` made by its super admin ``creator_account``: (the row, its secret, shown once).

    Raises ValueError({field: 中文}) when the name, scopes or expiry may not be used — a scope whose permission the
    creator does not hold is refused, whatever was posted. Audited (the hash masked); nothing is committed.
    """
    membership = db.session.scalar(select(AdminMembership).where(
        AdminMembership.account_id == creator_account.id, AdminMembership.org_id == org.id))
    if membership is None or not membership.is_super or creator_account.disabled:
        raise ValueError({"_": NOT_SUPER})
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = NO_NAME
    elif len(name) > NAME_MAX:
        errors["name"] = NAME_TOO_LONG
    elif db.session.scalar(select(ApiToken.id).where(
            ApiToken.org_id == org.id, ApiToken.name == name, ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now())) is not None:
        errors["name"] = NAME_TAKEN
    problem = scope_problems(scopes, membership.permissions)
    if problem:
        errors["scopes"] = problem
    day = expires_at.date() if isinstance(expires_at, datetime) else expires_at
    problem = expiry_problem(day)
    if problem:
        errors["expires_at"] = problem
    if errors:
        raise ValueError(errors)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(org_id=org.id, created_by_id=creator_account.id, name=name, prefix=secret[:PREFIX_LENGTH],
                     secret_hash=digest(secret), scopes=clean_scopes(scopes), expires_at=_end_of(expires_at))
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke(token: ApiToken, account: Account):
    """吊销: a guarded UPDATE through the ORM row, so two clicks at once revoke (and audit) once."""
    from .base import lock_row

    fresh = lock_row(ApiToken, token.id)
    if fresh is None or fresh.revoked_at is not None:
        raise ValueError(ALREADY_REVOKED)
    fresh.revoked_at = now()
    fresh.revoked_by_id = account.id
    db.session.flush()
    return fresh


# -- a request's token ----------------------------------------------------------------------------------------
class Refused(Exception):
    """The API answers ``status`` with ``message`` (中文)."""

    def __init__(self, status: int, message: str, code: str):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass(frozen=True)
class Caller:
    """The token of this request, its org, its creator's membership and the permission codes it acts with."""

    token: ApiToken
    org: Organization
    membership: AdminMembership
    codes: frozenset  # the creator's permissions now ∩ the token's scopes' permissions


def authenticate(header: str | None, ip: str | None) -> Caller:
    """The caller of ``Authorization: header``, or Refused(401) saying why not; then the rate limit (429)."""
    kind, _, secret = (header or "").strip().partition(" ")
    if not header:
        raise Refused(401, NO_TOKEN, "unauthorized")
    secret = secret.strip()
    if kind.lower() != "bearer" or not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        raise Refused(401, BAD_TOKEN, "unauthorized")
    token = db.session.scalar(select(ApiToken).where(ApiToken.secret_hash == digest(secret)))
    if token is None:
        raise Refused(401, BAD_TOKEN, "unauthorized")
    if token.revoked_at is not None:
        raise Refused(401, REVOKED, "revoked")
    if token.expires_at <= now():
        raise Refused(401, EXPIRED, "expired")
    membership = db.session.scalar(
        select(AdminMembership).join(Organization, AdminMembership.org_id == Organization.id).where(
            AdminMembership.account_id == token.created_by_id, AdminMembership.org_id == token.org_id))
    if membership is None or membership.account.disabled:
        raise Refused(401, CREATOR_GONE, "unauthorized")
    if membership.org.status != "approved":
        raise Refused(401, ORG_GONE, "unauthorized")
    limit = int(current_app.config.get("API_RATE_LIMIT") or RATE_LIMIT)
    if not Throttle.hit(f"api-token:{token.id}", limit, RATE_WINDOW):
        raise Refused(429, RATE_LIMITED.format(n=limit), "rate_limited")
    _note_use(token, ip)
    wanted = {SCOPES[s][0] for s in clean_scopes(token.scopes)}
    return Caller(token, membership.org, membership, frozenset(wanted & membership.permissions))


def _note_use(token: ApiToken, ip: str | None):
    """Last used time and address, committed beside the request (a GET commits nothing), at most once a minute."""
    t, c = now(), ApiToken.__table__.c
    if token.last_used_at is not None and token.last_used_at > t - USE_PRECISION and token.last_used_ip == ip:
        return
    with _own_connection() as conn, conn.begin():
        conn.execute(update(ApiToken.__table__).where(
            c.id == token.id, or_(c.last_used_at.is_(None), c.last_used_at <= t - USE_PRECISION,
                                  c.last_used_ip.is_distinct_from(ip))).values(last_used_at=t, last_used_ip=ip))
    db.session.expire(token, ["last_used_at", "last_used_ip"])


def require(caller: Caller, scope: str):
    """Refused(403) unless the token has ``scope`` and its creator still holds the permission behind it."""
    code, label = SCOPES[scope]
    if scope not in (caller.token.scopes or ()):
        raise Refused(403, MISSING_SCOPE.format(label=label, scope=scope), "forbidden")
    if code not in caller.codes:
        raise Refused(403, CREATOR_LACKS.format(label=label), "forbidden")


def act_as(caller: Caller):
    """This request acts as the token's creator for the token's org, with the token's codes: the web's scoping
    helpers (models/access.py) and the audit path (models/audit._actor) read these, and name the token."""
    g.membership = caller.membership
    g.api_codes = caller.codes
    g.api_token = caller.token
    g.is_operator = False
    g.person = None
    account = caller.membership.account
    g.actor = {"id": account.id, "name": account.name, "org_id": caller.org.id, "org_name": caller.org.name,
               "role": caller.token.audit_name}


def default_expiry() -> date:
    return now().date() + timedelta(days=90)
