"""The case evidence store: byte-identical, read-only, content-addressed copies of source files.

Every file imported into a case is copied to ``CSAS_HOME/evidence/<case_id>/<sha256>`` before a
single row is loaded, and the copy's hash is checked against the hash of the original read in
the same pass. The directory is ``0700`` (owner only) and the copy ``0444`` (read-only), so what
the graph cites as ``<sha256>:<row>`` can always be re-opened and re-hashed. Rejected rows of a
file are written beside its copy as ``<sha256>.rejected.csv``.

Limitations: the store protects against accidents, not a hostile owner of the account; the
permissions are POSIX modes, so a copy on a filesystem without them (FAT, some network shares)
is not read-only.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csas_graph.errors import IngestError, IntegrityError
from csas_graph.settings import Settings

CHUNK_BYTES = 1 << 20
REJECTED_COLUMNS = ("row", "reason", "message", "raw")


@dataclass(frozen=True)
class EvidenceCopy:
    """Where a source file's copy lives and what it hashes to."""

    sha256: str
    size: int
    path: Path
    created: bool  # False when the same bytes were already in the store


def case_dir(settings: Settings, case_id: str) -> Path:
    return settings.home / "evidence" / case_id


def evidence_path(settings: Settings, case_id: str, sha256: str) -> Path:
    return case_dir(settings, case_id) / sha256


def rejected_rows_path(settings: Settings, case_id: str, sha256: str) -> Path:
    """The CSV of a file's rejected rows (row, reason, message, raw), beside its evidence copy."""
    return case_dir(settings, case_id) / f"{sha256}.rejected.csv"


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size in bytes of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK_BYTES):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def store_evidence(settings: Settings, case_id: str, source: Path) -> EvidenceCopy:
    """Copy ``source`` into the case's evidence store, hashing as it copies, and verify the copy.

    The copy is written to a temporary file in the same directory and renamed into place, so a
    crash never leaves a half-written file under a hash name. If a copy with that hash already
    exists it is re-hashed (a tampered or damaged copy raises :class:`IntegrityError`).
    """
    source = Path(source)
    if not source.is_file():
        raise IngestError(f"{source}: no such file", file=str(source))
    directory = case_dir(settings, case_id)
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory.parent, 0o700)
    os.chmod(directory, 0o700)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=directory)
    tmp = Path(tmp_name)
    try:
        with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            while block := src.read(CHUNK_BYTES):
                digest.update(block)
                dst.write(block)
                size += len(block)
            dst.flush()
            os.fsync(dst.fileno())
        sha = digest.hexdigest()
        final = directory / sha
        if final.exists():
            tmp.unlink()
            verify_evidence(final, sha)
            return EvidenceCopy(sha, size, final, created=False)
        copied_sha, _ = sha256_file(tmp)
        if copied_sha != sha:
            raise IntegrityError(f"{source}: the evidence copy hashes to {copied_sha}, the original to {sha}")
        os.chmod(tmp, 0o444)
        os.replace(tmp, final)
        return EvidenceCopy(sha, size, final, created=True)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def verify_evidence(path: Path, sha256: str) -> None:
    """Raise :class:`IntegrityError` unless the file at ``path`` hashes to ``sha256``."""
    actual, _ = sha256_file(path)
    if actual != sha256:
        raise IntegrityError(f"evidence copy {path} hashes to {actual}, expected {sha256}", file=str(path))


def discard_evidence(copy: EvidenceCopy) -> None:
    """Remove a copy this import created (used when the file turned out to be unimportable)."""
    if copy.created:
        copy.path.unlink(missing_ok=True)


def write_rejected_rows(settings: Settings, case_id: str, sha256: str, rows: Iterable[Mapping[str, Any]]) -> Path:
    """Write the rejected rows of a file as CSV (row, reason, message, raw); returns the path."""
    path = rejected_rows_path(settings, case_id, sha256)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(REJECTED_COLUMNS)
        for row in rows:
            writer.writerow([_cell(row.get(column)) for column in REJECTED_COLUMNS])
    os.replace(tmp, path)
    os.chmod(path, 0o444)
    return path


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)
