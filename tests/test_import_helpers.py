"""Helpers for the import tests: frames of the reader's contract shape, and a fake reader."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from csas_graph import importer

CDR_COLUMNS = [
    "row", "outcome", "reason", "flags", "error", "event_id", "event_type", "direction",
    "a_key", "a_kind", "a_raw", "b_key", "b_kind", "b_raw", "start_utc", "start_raw", "end_utc",
    "duration_s", "tz_source", "time_basis", "first_cgi", "last_cgi", "first_cell_kind",
    "last_cell_kind", "first_cell_raw", "last_cell_raw", "first_lat", "first_lon", "first_azimuth",
    "last_lat", "last_lon", "last_azimuth", "imei", "imei_sv_svn", "imsi", "target", "charging_id",
]  # fmt: skip


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def event_id(*parts: Any) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:24]


def cdr_row(row: int, a: str, b: str | None, start: datetime, **kw: Any) -> dict[str, Any]:
    duration = kw.pop("duration_s", 60)
    rec: dict[str, Any] = dict.fromkeys(CDR_COLUMNS)
    rec.update(
        row=row,
        outcome="loaded",
        reason=None,
        flags=[],
        event_id=event_id(a, b, start.isoformat(), duration),
        event_type="voice" if b else "data",
        direction="MO",
        a_key=a,
        a_kind="e164",
        a_raw=a.replace("+44", "0"),
        b_key=b,
        b_kind="e164" if b else None,
        b_raw=b.replace("+44", "0") if b else None,
        start_utc=start,
        start_raw=start.isoformat(),
        end_utc=start + pd.Timedelta(seconds=duration),
        duration_s=duration,
        tz_source="utc",
        time_basis="at_or_before",
        first_cgi="234-10-1000-11",
        last_cgi="234-10-1000-11",
        first_cell_kind="cell",
        last_cell_kind="cell",
        first_lat=float("nan"),
        first_lon=float("nan"),
        first_azimuth=float("nan"),
        last_lat=float("nan"),
        last_lon=float("nan"),
        last_azimuth=float("nan"),
        imei="356938035643809",
        imsi="234101234567890",
        target=a,
    )
    rec.update(kw)
    return rec


def cells_row(row: int, cgi: str, valid_from: date | None, valid_to: date | None, azimuth: float, **kw: Any) -> dict:
    rec = {
        "row": row,
        "outcome": "loaded",
        "reason": None,
        "flags": [],
        "error": None,
        "cgi": cgi,
        "lat": 51.5,
        "lon": -0.12,
        "azimuth": azimuth,
        "beamwidth": 65.0,
        "technology": "4G",
        "site_name": "Site",
        "valid_from": valid_from,
        "valid_to": valid_to,
    }
    rec.update(kw)
    return rec


class FakeReport:
    """The reader's ReconciliationReport, as far as the importer uses it."""

    def __init__(self, path: Path, kind: str, rows: list[dict[str, Any]]) -> None:
        data = path.read_bytes()
        self.file_name = path.name
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.size = len(data)
        self.kind = kind
        self.rows = rows

    def as_dict(self) -> dict[str, Any]:
        outcomes = Counter(r["outcome"] for r in self.rows)
        reasons = Counter(r["reason"] for r in self.rows if r.get("reason"))
        flags = Counter(f for r in self.rows for f in (r.get("flags") or []))
        return {
            "file_name": self.file_name,
            "sha256": self.sha256,
            "size": self.size,
            "kind": self.kind,
            "template_id": "test",
            "template_version": "1",
            "rows_read": len(self.rows),
            "loaded": outcomes["loaded"],
            "merged": outcomes["merged"],
            "rejected": outcomes["rejected"],
            "reasons": dict(reasons),
            "flags": dict(flags),
            "rejected_rows": [
                {"row": r["row"], "reason": r["reason"], "message": r.get("error") or "", "raw": "x"}
                for r in self.rows
                if r["outcome"] == "rejected"
            ],
        }


def fake_file(tmp_path: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    """A file whose bytes identify its rows (so distinct row sets hash differently)."""
    path = tmp_path / name
    path.write_text(repr(sorted((r["row"], str(r.get("event_id") or r.get("cgi"))) for r in rows)), encoding="utf-8")
    return path


def install_fake_reader(monkeypatch: pytest.MonkeyPatch, files: dict[Path, tuple[str, list[dict[str, Any]]]]) -> None:
    """Make the importer read ``files`` (path -> (kind, rows)) instead of running the parser."""

    def fake_open(path: Path, **_: Any) -> importer.FileSource:
        kind, rows = files[Path(path)]
        frame = pd.DataFrame(rows)
        for col in ("start_utc", "end_utc"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col], utc=True)
        chunks = [frame.iloc[i : i + 3] for i in range(0, len(frame), 3)]
        return importer.source_from_frames(kind, Path(path).name, chunks, FakeReport(Path(path), kind, rows))

    monkeypatch.setattr(importer, "open_source", fake_open)
