"""Import files between the upload and the confirmation, kept under ``instance/imports/`` with a random name.

An upload belongs to the admin and the unit that made it: looked up by anyone else, it does not exist. Beside the
file: its description (``.json``), the dry run's summary (``.preview.json``), the rows that failed
(``.failed.xlsx``) and, once imported, what was done (``.result.json``). Confirming claims the upload by creating its
``.claim`` file exclusively — an atomic step of the file system, so of two submissions at once exactly one imports;
a write that fails gives the claim back.

Files hold personal data: readable by the server's user only, and swept a day after their upload.
"""
import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app

FOLDER = "imports"
KEEP_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
EXTENSIONS = (".xlsx", ".xls", ".ods", ".csv")


@dataclass
class Upload:
    token: str
    kind: str
    file_name: str       # as uploaded: shown to the user, and its extension tells the reader the type
    account_id: int
    org_id: int | None  # None: the platform operator, who acts for no unit
    rows: int            # data rows read at upload time: decides whether the work runs as a job
    created_at: float
    preview_job: int | None = None
    import_job: int | None = None
    password_hash: str | None = None  # the batch's initial password, hashed once, set when confirming
    reason: str | None = None  # the audit reason typed when confirming (批量修正); else "批量导入：<file>"

    # -- files ---------------------------------------------------------------------------------------------
    def path(self, suffix: str) -> Path:
        return folder() / f"{self.token}{suffix}"

    @property
    def data_path(self) -> Path:
        return self.path(".data")

    def data(self) -> bytes:
        return self.data_path.read_bytes()

    def save(self):
        _write(self.path(".json"), json.dumps(asdict(self)).encode())

    def put(self, suffix: str, content: bytes):
        _write(self.path(suffix), content)

    def put_json(self, suffix: str, value):
        self.put(suffix, json.dumps(value, ensure_ascii=False).encode())

    def get_json(self, suffix: str):
        try:
            return json.loads(self.path(suffix).read_text())
        except FileNotFoundError:
            return None

    def has(self, suffix: str) -> bool:
        return self.path(suffix).exists()

    # -- the one confirmation ----------------------------------------------------------------------------
    def claim(self) -> bool:
        try:
            fd = os.open(self.path(".claim"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        os.close(fd)
        return True

    def release(self):
        self.path(".claim").unlink(missing_ok=True)

    @property
    def claimed(self) -> bool:
        return self.has(".claim")


def folder() -> Path:
    path = Path(current_app.config.get("IMPORTS_FOLDER") or Path(current_app.instance_path) / FOLDER)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _write(path: Path, content: bytes):
    """Written beside and renamed into place: a reader never sees half a file; created private."""
    tmp = path.with_name(path.name + f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(content)
    os.replace(tmp, path)


def store(kind: str, file_name: str, data: bytes, rows: int, account_id: int, org_id: int) -> Upload:
    sweep()
    upload = Upload(secrets.token_urlsafe(16), kind, file_name[-100:], account_id, org_id, rows, time.time())
    upload.put(".data", data)
    upload.save()
    return upload


def find(token, kind: str, account_id, org_id) -> Upload | None:
    """The upload ``token`` of this kind if it belongs to this admin acting for this unit, else None."""
    if not isinstance(token, str) or not TOKEN.match(token):
        return None
    try:
        meta = json.loads((folder() / f"{token}.json").read_text())
        upload = Upload(**meta)
    except (FileNotFoundError, ValueError, TypeError):
        return None
    if upload.kind != kind or upload.account_id != account_id or upload.org_id != org_id:
        return None
    return upload


def sweep(now: float | None = None):
    """Uploads older than KEEP_SECONDS go, with everything beside them (an upload's age is its data file's)."""
    limit = (now or time.time()) - KEEP_SECONDS
    paths = list(folder().iterdir())
    ages = {p.name[:-len(".data")]: _mtime(p) for p in paths if p.name.endswith(".data")}
    for path in paths:
        age = ages.get(path.name[:22])
        if (age if age is not None else _mtime(path)) < limit:
            path.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # another worker swept it first
        return float("inf")
