"""Login accounts, password resets and the local mail outbox."""
import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import (Boolean, ForeignKey, Index, Integer, String, Text, case, create_engine, delete, func,
                        inspect, insert, or_, select, text, update)
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit
from .base import BigId, db, now
from .validators import check_password_policy

LOCK_AFTER_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)
RESET_CODE_LIFETIME = timedelta(minutes=15)
RESET_CODE_TRIES = 5
PASSWORD_OK, PASSWORD_WRONG, PASSWORD_LOCKED = "ok", "wrong", "locked"
LOCKED_MESSAGE = "该账号因多次密码错误已被锁定，请15分钟后再试，或联系客服解锁"


class Account(UserMixin, db.Model):
    __tablename__ = "account"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False, info={"audit": "mask"})
    email: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # 客服 ("service") or 运维 ("ops", also NULL); what each may do is in permissions.OPERATOR_ROLES.
    operator_role: Mapped[str | None] = mapped_column(String(10))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # Bumped whenever the password changes or rights are taken away: every older session ends.
    session_version: Mapped[int] = mapped_column(Integer, default=1, nullable=False, info={"audit": False})
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, nullable=False, info={"audit": False})
    failed_since: Mapped[datetime | None] = mapped_column(info={"audit": False})
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None] = mapped_column(info={"audit": False})
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)

    def __str__(self):
        return self.name

    def get_id(self):
        return f"{self.id}.{self.session_version}"

    # -- passwords ----------------------------------------------------------
    def set_password(self, password: str, *, temporary: bool = False):
        if not temporary:
            check_password_policy(password)
        self.password_hash = hash_password(password)
        self.must_change_password = temporary
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return bool(password) and check_password_hash(self.password_hash, password)

    # -- lock after repeated failures -----------------------------------------
    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > now()

    def record_login(self):
        # A login with a temporary password is not yet the owner's own: "never logged in" keeps telling
        # 修改密码 that the password is the initial one an admin chose (see change_password).
        if not self.must_change_password:
            self.last_login_at = now()

    @property
    def has_initial_password(self) -> bool:
        """A temporary password on an account that never logged in with its own: set when it was created."""
        return self.must_change_password and self.last_login_at is None

    def unlock(self):
        self.locked_until, self.failed_logins, self.failed_since = None, 0, None

    def authenticate(self, password: str, reason: str = "连续密码错误") -> bool:
        """Check a password, counting failures towards the lock. A locked account never passes."""
        return check_password_with_lock(self, password, reason) == PASSWORD_OK


# -- the one password check ------------------------------------------------------------------------------
def _hash_options() -> dict:
    # Tests set a cheap method; production keeps werkzeug's default (scrypt).
    method = current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None
    return {"method": method} if method else {}


def hash_password(password: str) -> str:
    """The stored form of a password. A batch of new accounts (批量导入) shares one initial password hashed once:
    scrypt takes tens of milliseconds, so 100,000 hashes would take about an hour."""
    return generate_password_hash(password, **_hash_options())


_dummy_hashes: dict = {}


def spend_a_password_check(password):
    """The hash work of a wrong password, for an ID that has no account: the answer takes as long as for a
    registered ID, so timing does not tell whether it exists. Same method and parameters as real hashes."""
    options = _hash_options()
    key = options.get("method")
    if key not in _dummy_hashes:
        _dummy_hashes[key] = generate_password_hash("not-a-real-password-0", **options)
    check_password_hash(_dummy_hashes[key], password or "")


_own_engines: dict = {}


def _own_connection():
    """A connection beside the caller's session, for counters that must be committed at once.

    A try counted here is seen by every concurrent request before the password is even hashed, and it
    survives the caller's rollback (a refused registration). The engine has a pool of its own: a request
    already holding a connection of the app's pool never waits on that pool for a second one, and these short
    transactions wait for nothing but each other, so this pool always drains. One engine per database,
    however many apps (tests) use it. Use it before the caller's transaction writes anything: SQLite would
    wait for the caller's own write lock.
    """
    url = db.engine.url
    engine = _own_engines.get(url)
    if engine is None:
        engine = _own_engines[url] = create_engine(url, pool_pre_ping=True)
    return engine.connect()


def _forget_counters(account):
    # The counters changed beside the session: its copy must be read again, not trusted.
    if inspect(account).persistent and account in db.session:
        db.session.expire(account, ["failed_logins", "failed_since", "locked_until"])


def check_password_with_lock(account: Account | None, password: str, reason: str = "连续密码错误") -> str:
    """The one way a typed password is checked: login, 添加成为管理员, registration with an existing ID, 修改密码.

    Returns PASSWORD_OK, PASSWORD_WRONG or PASSWORD_LOCKED. Each check first claims one of the
    LOCK_AFTER_FAILURES tries of the current FAILURE_WINDOW with one guarded UPDATE, committed before the
    hash is computed: of 20 requests arriving at once at most five get their password checked, the others
    claim nothing and are refused as locked unchecked. A right password gives the tries back; the wrong one
    that used the last try locks the account for LOCK_DURATION (audited with ``reason``). An unknown
    account (None) costs the same hash work and is simply wrong.
    """
    if account is None:
        spend_a_password_check(password)
        return PASSWORD_WRONG
    t, table = now(), Account.__table__
    c = table.c
    fresh = or_(c.failed_since.is_(None), c.failed_since <= t - FAILURE_WINDOW)
    with _own_connection() as conn:
        with conn.begin():
            tries = conn.execute(
                update(table)
                .where(c.id == account.id, or_(c.locked_until.is_(None), c.locked_until <= t),
                       or_(fresh, c.failed_logins < LOCK_AFTER_FAILURES))
                .values(failed_logins=case((fresh, 1), else_=c.failed_logins + 1),
                        failed_since=case((fresh, t), else_=c.failed_since))
                .returning(c.failed_logins)).scalar()
        _forget_counters(account)
        if tries is None:
            return PASSWORD_LOCKED
        if account.check_password(password):
            with conn.begin():
                conn.execute(update(table).where(c.id == account.id).values(failed_logins=0, failed_since=None))
            return PASSWORD_OK
        if tries < LOCK_AFTER_FAILURES:
            return PASSWORD_WRONG
        until = now() + LOCK_DURATION
        with conn.begin():
            conn.execute(update(table).where(c.id == account.id)
                         .values(locked_until=until, failed_logins=0, failed_since=None))
            audit.record_in(conn, "account", account.id, "lock",
                            {"locked_until": {"before": None, "after": until.isoformat(sep=" ")}}, reason)
        _forget_counters(account)
        return PASSWORD_LOCKED


# No 0/O, 1/l/I: the admin reads the password out to the person over the phone.
_READABLE = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def temporary_password() -> str:
    """Ten readable characters with letters and digits (the policy's minimum), for the owner to replace at once."""
    while True:
        word = "".join(secrets.choice(_READABLE) for _ in range(10))
        if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
            return word


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class PasswordResetCode(db.Model):
    __tablename__ = "password_reset_code"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(nullable=False)
    used_at: Mapped[datetime | None]
    tries: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    __table_args__ = (Index("ix_password_reset_code_account", "account_id", "created_at"),)

    @classmethod
    def issue(cls, account: Account) -> str:
        """Invalidate earlier codes and return a fresh six-digit one (only its hash is stored)."""
        t = now()
        for old in db.session.scalars(select(cls).where(cls.account_id == account.id, cls.used_at.is_(None))):
            old.used_at = t
        code = f"{secrets.randbelow(10**6):06d}"
        db.session.add(cls(account_id=account.id, code_hash=_digest(code), expires_at=t + RESET_CODE_LIFETIME))
        return code

    @classmethod
    def redeem(cls, account: Account, code: str) -> bool:
        """Use the account's live code once. Each guess first claims one of RESET_CODE_TRIES tries in a
        guarded UPDATE committed before the comparison, so parallel guesses get RESET_CODE_TRIES
        comparisons at most; the wrong guess that used the last try burns the code."""
        t, c = now(), cls.__table__.c
        with _own_connection() as conn:
            with conn.begin():
                live = conn.execute(select(c.id).where(c.account_id == account.id, c.used_at.is_(None),
                                                       c.expires_at > t).order_by(c.id.desc()).limit(1)).scalar()
                claimed = live and conn.execute(
                    update(cls.__table__).where(c.id == live, c.used_at.is_(None), c.tries < RESET_CODE_TRIES)
                    .values(tries=c.tries + 1).returning(c.tries, c.code_hash)).first()
            if not claimed:
                return False
            tries, code_hash = claimed
            with conn.begin():
                if _code_matches(code_hash, code):
                    # Guarded too: of two right guesses at once only one uses the code.
                    return conn.execute(update(cls.__table__).where(c.id == live, c.used_at.is_(None))
                                        .values(used_at=t)).rowcount == 1
                if tries >= RESET_CODE_TRIES:
                    conn.execute(update(cls.__table__).where(c.id == live).values(used_at=t))
                return False


def _code_matches(code_hash: str, code: str) -> bool:
    return secrets.compare_digest(code_hash, _digest((code or "").strip()))


class Throttle(db.Model):
    """One row per attempt of a rate-limited action (forgot password, code checks)."""

    __tablename__ = "throttle"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)
    __table_args__ = (Index("ix_throttle_key_created", "key", "created_at"),)

    @classmethod
    def claim(cls, key: str, limit: int, window: timedelta) -> int | str | None:
        """Record an attempt; its id, or None when it is beyond the ``limit``-th within ``window``.

        The attempts at one key take turns (PostgreSQL: a transaction lock on the key; SQLite: its one writer,
        taken by the DELETE; Redis: one script, which Redis runs alone), and each counts those before it and
        itself: however many arrive at once, the first ``limit`` pass and no more. Counted after committing
        instead, ten at once could each see all ten and every one be refused. Refused attempts are kept and
        count too. With ``REDIS_URL`` the attempts live in Redis (models/throttle_redis.py), else in this table.
        """
        from . import throttle_redis

        if throttle_redis.enabled():
            return throttle_redis.claim(key, limit, window)
        t, table = now(), cls.__table__
        with _own_connection() as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                             {"key": f"throttle:{key}"})
            # Rows out of every window are of no use: the table holds the last window's attempts only.
            conn.execute(delete(table).where(table.c.key == key, table.c.created_at <= t - window))
            row_id = conn.execute(insert(table).values(key=key, created_at=t).returning(table.c.id)).scalar_one()
            recent = conn.execute(select(func.count()).where(table.c.key == key,
                                                             table.c.created_at > t - window)).scalar_one()
        return row_id if recent <= limit else None

    @classmethod
    def hit(cls, key: str, limit: int, window: timedelta) -> bool:
        return cls.claim(key, limit, window) is not None

    @classmethod
    def release(cls, row_id: int | str):
        """Take back an attempt that turned out not to count (a right password)."""
        from . import throttle_redis

        if throttle_redis.enabled():
            return throttle_redis.release(row_id)
        with _own_connection() as conn, conn.begin():
            conn.execute(delete(cls.__table__).where(cls.__table__.c.id == row_id))


class OutboxMail(db.Model):
    """Mail the platform sent; without SMTP configured this table is the outbox developers read."""

    __tablename__ = "outbox_mail"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(120), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
