"""证明材料: the proof files of a declaration — checked by their content, kept outside ``static/``, shown to few.

A file is what its first bytes say (PDF, JPEG, PNG), never what its name claims: a program renamed ``.pdf`` is
refused. Files are written under ``ATTACHMENTS_FOLDER`` (default ``instance/attachments``) with random names, readable
by the server's user only; the name the user gave is kept, sanitised, for display and download. They are written in
the declaration's transaction: if it does not commit, the files written for it are removed again, so no file lingers
without its row.

Limits (config): ATTACHMENT_MAX_BYTES per file (10 MB), ATTACHMENT_MAX_TOTAL_BYTES (30 MB) and ATTACHMENT_MAX_FILES
(10) per declaration.
"""
import hashlib
import os
import re
import secrets
import unicodedata
from pathlib import Path

from flask import abort, current_app, g, send_file
from sqlalchemy import event, exists, func, or_, select
from sqlalchemy.orm import Session

from ..base import db
from ..org import subtree_ids
from .records import Attachment, CreditRecord, Declaration

FOLDER = "attachments"
MB = 1024 * 1024
DEFAULTS = {"ATTACHMENT_MAX_BYTES": 10 * MB, "ATTACHMENT_MAX_TOTAL_BYTES": 30 * MB, "ATTACHMENT_MAX_FILES": 10}
NAME_MAX = 120  # Attachment.filename

# (first bytes, content type, label, the extensions a file of that kind may carry)
KINDS = (
    (b"%PDF-", "application/pdf", "PDF 文件", (".pdf",)),
    (b"\xff\xd8\xff", "image/jpeg", "JPG 图片", (".jpg", ".jpeg")),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG 图片", (".png",)),
)
EXTENSIONS = tuple(e for *_, exts in KINDS for e in exts)
ACCEPT = ",".join(EXTENSIONS) + ",application/pdf,image/jpeg,image/png"  # the file input's accept=""

NOT_ALLOWED = "「{name}」不是 PDF、JPG 或 PNG 文件：证明材料只能上传 PDF、JPG、PNG 格式"
NOT_WHAT_IT_SAYS = "「{name}」的内容不是有效的 PDF、JPG 或 PNG 文件（可能是改了扩展名的其他文件），请上传原始的 PDF 或图片"
MISMATCH = "「{name}」的内容是{label}，与扩展名 {ext} 不符，请改正扩展名后重新上传"
EMPTY = "「{name}」是空文件，请重新选择"
TOO_BIG = "「{name}」超过了单个文件 {size} 的大小限制"
TOO_MANY = "每次申报最多上传 {n} 个文件"
TOO_MUCH = "所有证明材料合计不能超过 {size}"
NO_FILES = "请上传证明材料"

_UNSAFE = re.compile(r'[\\/:*?"<>|]')
_SPACES = re.compile(r"\s+")


def limit(name: str) -> int:
    return int(current_app.config.get(name) or DEFAULTS[name])


def folder() -> Path:
    path = Path(current_app.config.get("ATTACHMENTS_FOLDER") or Path(current_app.instance_path) / FOLDER)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def clean_name(name: str | None) -> str:
    """The user's file name, safe to keep and show: no folders, no control or reserved characters, at most
    NAME_MAX characters with its extension kept. Chinese stays (werkzeug's secure_filename would drop it)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]  # a browser on Windows may send C:\...\扫描件.pdf
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")  # control, format, unassigned
    name = _SPACES.sub(" ", _UNSAFE.sub("_", name)).strip()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext[:10]
    stem = stem.strip(" .") or "证明材料"
    room = NAME_MAX - (len(ext) + 1 if ext else 0)
    return f"{stem[:room]}.{ext}" if ext else stem[:NAME_MAX]


def present(files) -> list:
    """The files actually chosen: a form's file input posts one empty part when nothing is picked."""
    return [f for f in (files or []) if f is not None and (getattr(f, "filename", None) or _peek(f))]


def _peek(file) -> bytes:
    stream = getattr(file, "stream", file)
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    return head


def _read(file, most: int) -> bytes:
    """At most ``most`` + 1 bytes: enough to tell an oversize file without reading all of it."""
    stream = getattr(file, "stream", file)
    stream.seek(0)
    data = stream.read(most + 1)
    stream.seek(0)
    return data


def _kind(data: bytes):
    return next((k for k in KINDS if data.startswith(k[0])), None)


def _problem(name: str, data: bytes, max_bytes: int) -> str | None:
    ext = os.path.splitext(name)[1].lower()
    if ext not in EXTENSIONS:
        return NOT_ALLOWED.format(name=name)
    if not data:
        return EMPTY.format(name=name)
    if len(data) > max_bytes:
        return TOO_BIG.format(name=name, size=size_text(max_bytes))
    kind = _kind(data)
    if kind is None:
        return NOT_WHAT_IT_SAYS.format(name=name)
    if ext not in kind[3]:
        return MISMATCH.format(name=name, label=kind[2], ext=ext)
    return None


def size_text(n: int) -> str:
    """A limit in words: 10 MB, 500 KB."""
    return f"{n / MB:g} MB" if n >= MB else f"{n / 1024:g} KB"


def check(files, already: int = 0, already_bytes: int = 0) -> list[str]:
    """What is wrong with ``files`` (werkzeug FileStorage objects), in Chinese; empty when they may be stored.

    ``already`` / ``already_bytes``: files a declaration holds before these."""
    files = present(files)
    max_bytes, max_total, max_files = (limit("ATTACHMENT_MAX_BYTES"), limit("ATTACHMENT_MAX_TOTAL_BYTES"),
                                       limit("ATTACHMENT_MAX_FILES"))
    problems = []
    if already + len(files) > max_files:
        problems.append(TOO_MANY.format(n=max_files))
    total = already_bytes
    for f in files:
        data = _read(f, max_bytes)
        total += len(data)
        problem = _problem(clean_name(f.filename), data, max_bytes)
        if problem:
            problems.append(problem)
    if total > max_total:
        problems.append(TOO_MUCH.format(size=size_text(max_total)))
    return problems


def store(files, declaration: Declaration) -> list[Attachment]:
    """Check and keep ``files`` as ``declaration``'s proof: one Attachment row each (audited), the files written
    now and removed again if the transaction does not commit. Raises ValueError(中文) with every problem."""
    files = present(files)
    if declaration.id is None:
        db.session.flush()
    count, size = db.session.execute(select(func.count(Attachment.id), func.coalesce(func.sum(Attachment.size), 0))
                                     .where(Attachment.declaration_id == declaration.id)).one()
    problems = check(files, count, size)
    if problems:
        raise ValueError("；".join(problems))
    base, max_bytes = folder(), limit("ATTACHMENT_MAX_BYTES")
    written = db.session.info.setdefault(_WRITTEN, [])
    rows = []
    for f in files:
        data = _read(f, max_bytes)
        kind = _kind(data)
        stored = secrets.token_hex(16) + kind[3][0]
        path = base / stored
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        written.append(path)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        row = Attachment(declaration_id=declaration.id, org_id=declaration.org_id, filename=clean_name(f.filename),
                         stored_name=stored, content_type=kind[1], size=len(data),
                         sha256=hashlib.sha256(data).hexdigest())
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


_WRITTEN = "hours_attachment_files"


@event.listens_for(Session, "after_commit")
def _keep_written(session):
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted(session, transaction):
    """A rollback, or a session closed without committing: the files written for rows that never were go."""
    if transaction.parent is not None or _WRITTEN not in session.info:
        return
    for path in session.info.pop(_WRITTEN):
        path.unlink(missing_ok=True)


def path_of(attachment: Attachment) -> Path:
    return folder() / attachment.stored_name


# -- who sees a file ---------------------------------------------------------------------------------------
def visible(attachment: Attachment | None) -> bool:
    """For the current request: the operator; the person, for their own declaration; an admin whose subtree holds
    the declaring org, or the reviewing org or the person's unit of one of the declaration's records."""
    if attachment is None:
        return False
    if g.get("is_operator"):
        return True
    person = g.get("person")
    if person is not None:
        return attachment.declaration_id is not None and db.session.scalar(
            select(exists().where(Declaration.id == attachment.declaration_id, Declaration.person_id == person.id)))
    membership = g.get("membership")
    if membership is None:
        return False
    mine = subtree_ids(membership.org_id)
    if db.session.scalar(select(exists().where(Attachment.id == attachment.id, Attachment.org_id.in_(mine)))):
        return True
    if attachment.declaration_id is None:
        return False
    return db.session.scalar(select(exists().where(
        CreditRecord.declaration_id == attachment.declaration_id,
        or_(CreditRecord.review_org_id.in_(mine), CreditRecord.org_id.in_(mine)))))


def find_visible(attachment_id) -> Attachment:
    """The attachment ``attachment_id`` (as posted: any text) if the current request may see it, else 404."""
    from forms.input import to_id  # not at import time: forms.input imports models

    pk = to_id(attachment_id, big=True)
    attachment = db.session.get(Attachment, pk) if pk is not None else None
    if not visible(attachment):
        abort(404)
    return attachment


# A file is shown as itself and nothing more: no scripts, no styles, no fetching; framed only by our own pages.
FILE_CSP = "default-src 'none'; img-src 'self'; object-src 'self'; " \
           "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"


def send_attachment(attachment: Attachment):
    """The file as an inline response (the caller has checked ``visible``): its sanitised name in UTF-8, its
    checked type, never sniffed, a strict CSP of its own."""
    path = path_of(attachment)
    if not path.is_file():
        abort(404, "该证明材料的文件已不存在，请联系平台运维")
    response = send_file(path, mimetype=attachment.content_type, as_attachment=False,
                         download_name=attachment.filename, conditional=True, etag=attachment.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response
