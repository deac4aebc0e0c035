"""The case calendar: two windows of days around both UK DST transitions of 2024.

Times are held as int64 seconds since the Unix epoch, UTC. The spring window contains
2024-03-31 (clocks go forward at 01:00 UTC) and the autumn window 2024-10-27 (clocks go back
at 01:00 UTC), so local-time layouts meet both the gap and the overlap.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

LONDON = ZoneInfo("Europe/London")
SPRING_DAY = date(2024, 3, 31)
AUTUMN_DAY = date(2024, 10, 27)
WINDOWS = ((date(2024, 3, 18), 25), (date(2024, 10, 14), 25))

#: UTC intervals in which routine events are not generated: around the autumn overlap hour
#: (local 01:00-01:59 on 27 Oct occurs twice) and the spring gap, so that DST rows in local
#: layouts are only the planted ones and their counts are exact.
QUIET_UTC = (
    (
        int(datetime(2024, 10, 26, 23, 0, tzinfo=UTC).timestamp()),
        int(datetime(2024, 10, 27, 2, 30, tzinfo=UTC).timestamp()),
    ),
    (
        int(datetime(2024, 3, 31, 0, 0, tzinfo=UTC).timestamp()),
        int(datetime(2024, 3, 31, 2, 30, tzinfo=UTC).timestamp()),
    ),
)


def case_days() -> list[date]:
    """The local dates covered by the case, in order."""
    return [start + timedelta(days=i) for start, n in WINDOWS for i in range(n)]


def local_midnight_utc(days: list[date]) -> np.ndarray:
    """Epoch seconds (UTC) of local midnight of each day."""
    return np.array([int(datetime(d.year, d.month, d.day, tzinfo=LONDON).timestamp()) for d in days], dtype=np.int64)


def epoch(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, local: bool = False) -> int:
    """Epoch seconds of a wall-clock time, UTC unless ``local`` (Europe/London, fold 0)."""
    tz = LONDON if local else UTC
    return int(datetime(y, mo, d, h, mi, s, tzinfo=tz).timestamp())


def iso_utc(t: int | np.integer) -> str:
    """``2024-10-27T01:40:00Z``."""
    return datetime.fromtimestamp(int(t), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_parts(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local (Europe/London) hour, weekday (Mon=0) and day ordinal for epoch seconds."""
    idx = pd.to_datetime(np.asarray(t, dtype=np.int64), unit="s", utc=True).tz_convert("Europe/London")
    return (
        np.asarray(idx.hour, dtype=np.int64),
        np.asarray(idx.dayofweek, dtype=np.int64),
        idx.tz_localize(None).to_numpy().astype("datetime64[D]").astype(np.int64),
    )


def in_quiet(t: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whether each interval [t, end] touches a quiet (DST) interval."""
    hit = np.zeros(len(t), dtype=bool)
    for lo, hi in QUIET_UTC:
        hit |= (t < hi) & (end >= lo)
    return hit
