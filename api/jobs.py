"""Background imports: a small thread pool, and the progress of each job.

A job lives in memory for the life of the process; once it is done, the stored ``SourceFile``
(with its reconciliation report) is the record, so a finished import is also found by its
file's SHA-256 after a restart.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from csas_graph.errors import CsasError

log = logging.getLogger("csas.api.imports")


@dataclass
class ImportJob:
    import_id: str
    case_id: str
    file_name: str
    size: int
    user: str
    state: str = "queued"
    rows_done: int = 0
    rows_total: int | None = None
    sha256: str | None = None
    already_imported: bool | None = None
    report: dict[str, Any] | None = None
    error: str | None = None
    done_event: threading.Event = field(default_factory=threading.Event, repr=False)

    def as_dict(self, *, with_report: bool = True) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "case_id": self.case_id,
            "file_name": self.file_name,
            "state": self.state,
            "rows_done": self.rows_done,
            "rows_total": self.rows_total,
            "sha256": self.sha256,
            "already_imported": self.already_imported,
            "error": self.error,
            "report": self.report if with_report else None,
        }


class ImportJobs:
    """The jobs of one app, run on ``workers`` threads."""

    def __init__(self, workers: int = 2) -> None:
        self._workers = workers
        self._closed = False
        self._pool = self._new_pool()
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def submit(
        self, *, case_id: str, file_name: str, size: int, user: str, work: Callable[[ImportJob], None]
    ) -> ImportJob:
        job = ImportJob(uuid.uuid4().hex, case_id, file_name, size, user)
        with self._lock:
            self._jobs[job.import_id] = job
        with self._lock:
            if self._closed:  # the app was shut down and started again (its lifespan ran twice)
                self._pool, self._closed = self._new_pool(), False
            self._pool.submit(self._run, job, work)
        return job

    def _new_pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="csas-import")

    def get(self, case_id: str, import_id: str) -> ImportJob | None:
        with self._lock:
            job = self._jobs.get(import_id)
        return job if job is not None and job.case_id == case_id else None

    def for_case(self, case_id: str) -> list[ImportJob]:
        with self._lock:
            return [j for j in self._jobs.values() if j.case_id == case_id]

    def forget_case(self, case_id: str) -> None:
        with self._lock:
            self._jobs = {k: j for k, j in self._jobs.items() if j.case_id != case_id}

    def shutdown(self) -> None:
        with self._lock:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._closed = True

    @staticmethod
    def _run(job: ImportJob, work: Callable[[ImportJob], None]) -> None:
        job.state = "running"
        try:
            work(job)
            job.state = "done"
        except CsasError as err:
            job.state, job.error = "failed", err.message
        except Exception as err:  # noqa: BLE001 - a job records its failure; the log has the detail
            log.error("import %s failed", job.import_id, exc_info=err)
            job.state, job.error = "failed", "internal error while importing; see the server log"
        finally:
            job.done_event.set()
