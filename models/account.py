"""Login accounts, password resets and the local mail outbox."""
import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from .base import BigId, db, now
from .validators import check_password_policy

LOCK_AFTER_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)
RESET_CODE_LIFETIME = timedelta(minutes=15)
RESET_CODE_TRIES = 5


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
        # Tests set a cheap method; production keeps werkzeug's default (scrypt).
        method = current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None
        self.password_hash = generate_password_hash(password, **({"method": method} if method else {}))
        self.must_change_password = temporary
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return bool(password) and check_password_hash(self.password_hash, password)

    # -- lock after repeated failures -----------------------------------------
    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > now()

    def record_failure(self) -> bool:
        """Count one wrong password; returns True when this failure locked the account."""
        t = now()
        if self.failed_since is None or t - self.failed_since > FAILURE_WINDOW:
            self.failed_since, self.failed_logins = t, 0
        self.failed_logins += 1
        if self.failed_logins >= LOCK_AFTER_FAILURES:
            self.locked_until = t + LOCK_DURATION
            self.failed_logins, self.failed_since = 0, None
            return True
        return False

    def record_success(self):
        self.failed_logins, self.failed_since, self.last_login_at = 0, None, now()

    def unlock(self):
        self.locked_until, self.failed_logins, self.failed_since = None, 0, None

    def authenticate(self, password: str) -> bool:
        """Check a password, counting failures towards the lock. A locked account never passes."""
        if self.is_locked:
            return False
        if self.check_password(password):
            self.record_success()
            return True
        self.record_failure()
        return False


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
        """Use the account's live code once; wrong guesses burn it after a few tries."""
        live = db.session.scalar(
            select(cls).where(cls.account_id == account.id, cls.used_at.is_(None), cls.expires_at > now())
            .order_by(cls.id.desc()).limit(1)
        )
        if live is None:
            return False
        if not secrets.compare_digest(live.code_hash, _digest((code or "").strip())):
            live.tries += 1
            if live.tries >= RESET_CODE_TRIES:
                live.used_at = now()
            return False
        live.used_at = now()
        return True


class Throttle(db.Model):
    """One row per attempt of a rate-limited action (forgot password, code checks)."""

    __tablename__ = "throttle"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)
    __table_args__ = (Index("ix_throttle_key_created", "key", "created_at"),)

    @classmethod
    def hit(cls, key: str, limit: int, window: timedelta) -> bool:
        """Record an attempt; False when ``key`` already had ``limit`` attempts within ``window``."""
        since = now() - window
        recent = db.session.scalar(select(func.count()).where(cls.key == key, cls.created_at > since))
        if recent >= limit:
            return False
        db.session.add(cls(key=key))
        return True


class OutboxMail(db.Model):
    """Mail the platform sent; without SMTP configured this table is the outbox developers read."""

    __tablename__ = "outbox_mail"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(120), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=now, nullable=False)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
