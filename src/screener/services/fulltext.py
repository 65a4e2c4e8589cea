"""Full texts: a PDF copied into the project's attachment folder, or "not retrieved".

A file project keeps its PDFs in ``<project stem>_attachments/`` beside the project file, so the
folder travels with the file. A project on a server has no "beside": its PDFs go to a folder
in the user's data directory named after the database (or to ``folder`` when given).
The copy is written to a temporary file and renamed, so a crash never leaves half a PDF, and
the database row is committed only once the file is in place.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url

from screener.core.errors import UserError
from screener.services.screening import check_record
from screener.storage.models import Attachment, utcnow
from screener.storage.session import Store

ATTACHED = "attached"
NOT_RETRIEVED = "not_retrieved"
_MAX_STEM = 60


@dataclass(frozen=True)
class AttachmentInfo:
    """The full-text state of one record. ``path`` is where the PDF is, when one is attached."""

    record_id: int
    status: str
    file_name: str
    original_name: str
    sha256: str
    size: int
    added_by: str
    added_at: datetime | None
    path: str | None

    @property
    def exists(self) -> bool:
        return self.path is not None and Path(self.path).is_file()

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["added_at"] = self.added_at.isoformat() if self.added_at else None
        return d


def attachment_dir(store: Store, folder: str | Path | None = None) -> Path:
    """The folder that holds the project's PDFs (not created here)."""
    if folder is not None:
        return Path(folder)
    if store.is_file:
        p = Path(store.project)
        return p.with_name(f"{p.stem}_attachments")
    import platformdirs

    url = make_url(store.project)
    opts = url.query.get("options", "")
    opts = opts if isinstance(opts, str) else " ".join(opts)
    label = "_".join(x for x in (url.host or "local", str(url.port or ""), url.database or "", opts) if x)
    return platformdirs.user_data_path("screener") / "attachments" / safe_stem(label, 120)


def safe_stem(text: str, limit: int = _MAX_STEM) -> str:
    """ASCII letters, digits, dot, dash and underscore only: a name every file system accepts."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_text).strip("._-")
    stem = re.sub(r"_{2,}", "_", stem)[:limit].rstrip("._-")
    return stem or "fulltext"


#: Names Windows reserves for devices, with or without an extension (CON, NUL, COM1.pdf...).
_DEVICE = re.compile(r"^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$", re.IGNORECASE)


def stored_path(folder: Path, name: str) -> Path | None:
    """Where the stored file ``name`` is inside ``folder``, or None when the name could point
    anywhere else.

    The name comes from the project database, which may come from someone else (a merged copy,
    a pulled project, a file a colleague sent): it must never make screener read, replace or
    delete a file outside the attachment folder. Only a plain file name of the folder passes: no
    separators, no ``..``, no drive or absolute path, no ``file:`` URL, no Windows device name,
    and no symbolic link out of the folder.
    """
    if (not name or name in (".", "..") or "/" in name or "\\" in name or ":" in name or "\0" in name
            or name != name.strip() or _DEVICE.match(name.rstrip(". "))):
        return None
    path = folder / name
    try:
        inside = path.resolve().parent == folder.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None
    return path if inside else None


def safe_name(record_id: int, original: str) -> str:
    """The stored file name: the record id first (unique in the folder), then the original name."""
    return f"{int(record_id)}-{safe_stem(Path(original).stem)}.pdf"


def _check_pdf(path: Path) -> None:
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        raise UserError(f"{path}: not a PDF file (no %PDF header)")


def _copy_hashed(src: Path, folder: Path) -> tuple[Path, str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(prefix=".incoming-", suffix=".pdf", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp), digest.hexdigest(), size


def attachment_info(store: Store, att: Attachment, folder: str | Path | None = None) -> AttachmentInfo:
    path = None
    if att.status == ATTACHED and att.file_name:
        inside = stored_path(attachment_dir(store, folder), att.file_name)
        path = str(inside) if inside is not None else None
    return AttachmentInfo(att.record_id, att.status, att.file_name, att.original_name, att.sha256, att.size,
                          att.added_by, att.added_at, path)


def attach_pdf(store: Store, record_id: int, pdf: str | Path, added_by: str = "",
               folder: str | Path | None = None) -> AttachmentInfo:
    """Copy ``pdf`` into the attachment folder as the full text of a record (replacing any earlier one)."""
    src = Path(pdf)
    store.check_writable()  # before a copy lands in the folder of a project that cannot take it
    _check_pdf(src)
    target_dir = attachment_dir(store, folder)
    tmp, digest, size = _copy_hashed(src, target_dir)
    name = safe_name(record_id, src.name)
    old_name = ""
    try:
        with store.unit() as s:
            att, old_name = _attachment_row(s, record_id)
            att.status, att.file_name, att.original_name = ATTACHED, name, src.name
            att.sha256, att.size, att.added_by, att.added_at = digest, size, added_by, utcnow()
            s.flush()
            os.replace(tmp, target_dir / name)  # in place before the commit makes the row visible
            info = attachment_info(store, att, folder)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if old_name and old_name != name:
        _remove(target_dir, old_name)
    return info


def mark_not_retrieved(store: Store, record_id: int, by: str = "", folder: str | Path | None = None) -> AttachmentInfo:
    """Record that the full text of a record could not be retrieved (PRISMA's "reports not retrieved").

    A PDF attached earlier is removed from the attachment folder: the project no longer refers to it.
    """
    with store.unit() as s:
        att, old_name = _attachment_row(s, record_id)
        att.status, att.file_name, att.original_name, att.sha256, att.size = NOT_RETRIEVED, "", "", "", 0
        att.added_by, att.added_at = by, utcnow()
        s.flush()
        info = attachment_info(store, att, folder)
    if old_name:
        _remove(attachment_dir(store, folder), old_name)
    return info


def _attachment_row(s, record_id: int) -> tuple[Attachment, str]:
    """The record's attachment row (a new one if it has none) and the file it refers to now, if any."""
    check_record(s, record_id)
    att = s.scalar(select(Attachment).where(Attachment.record_id == int(record_id)))
    if att is None:
        att = Attachment(record_id=int(record_id))
        s.add(att)
    return att, (att.file_name if att.status == ATTACHED else "")


def get_attachment(store: Store, record_id: int, folder: str | Path | None = None) -> AttachmentInfo | None:
    """The full-text state of a record, or None when nothing was recorded."""
    with store.read() as s:
        att = s.scalar(select(Attachment).where(Attachment.record_id == int(record_id)))
        return attachment_info(store, att, folder) if att is not None else None


def clear_attachment(store: Store, record_id: int, folder: str | Path | None = None) -> None:
    """Forget the full-text state of a record (and delete its copied PDF)."""
    with store.unit() as s:
        att = s.scalar(select(Attachment).where(Attachment.record_id == int(record_id)))
        if att is None:
            return
        old_name = att.file_name if att.status == ATTACHED else ""
        s.delete(att)
    if old_name:
        _remove(attachment_dir(store, folder), old_name)


def _remove(folder: Path, name: str) -> None:
    """Delete a stored file the project no longer refers to, if its name is one of the folder's."""
    path = stored_path(folder, name)
    if path is not None:
        path.unlink(missing_ok=True)
