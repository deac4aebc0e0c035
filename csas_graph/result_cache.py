"""A bounded, in-process cache of analysis responses, keyed by the data they were computed from.

Analyses are deterministic: the same case data and the same validated parameters give the same
rows and the same result hash. A result can therefore be reused for as long as the case's data
has not changed. The cache key is

``(case_id, analysis, canonical parameters, data-state key)``

where the *data-state key* (:func:`state_key`) is the SHA-256 of the case node's properties and,
for every ``SourceFile`` of the case, its SHA-256, status and start and completion times. Every
change an analysis can see changes that key:

* an import begins (a new ``SourceFile``, status ``loading``, and the case's ``loads_begun``
  counter goes up), completes (status ``complete``, a completion time) or is rolled back (the
  ``SourceFile`` disappears; the counter stays where it went);
* the case is updated or disposed of and re-created (a new creation time);
* a disposed case has no data-state key at all, and is never served from the cache.

While any file of the case is still loading the state is *unstable*: nothing is read from or
written to the cache, because the data changes under the analysis. A result is stored under the
state read before the analysis. If a load began while it ran, the case's ``loads_begun`` changed
for good, so no later request reads that state again and the entry is never found (it ages out):
the counter only grows, so not even a load that began and was rolled back returns the case to a
state an entry was stored under.

The cache holds the rendered JSON response (bytes), the resolved parameters, the result hash and
the row count, so that a hit still writes a complete audit record. It is bounded by entries and by
bytes, least recently used first out, and lives in one process; under ``csas serve`` its entries
are also shared between the workers through a private folder (see :class:`ResultCache`).

Limitations
-----------
Data written to a case other than through the importer (hand-edited Cypher) is invisible to the
key: run ``csas serve`` afresh after such edits.
Derived data written after an import completes (a post-import hook) is invisible to the key. The
summaries of :mod:`csas_graph.analyses.summaries` are safe: an analysis answers from them only
when they were built over exactly the case's complete files, and then row for row and hash for
hash as from the events, so the answer is still a function of the files. Any other derived data
that can change an answer must stamp the ``Case`` or ``SourceFile`` it belongs to.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cypher
from csas_graph.analyses.base import canonical_json
from csas_graph.graph_store import GraphStore

#: most entries kept, and most bytes of rendered responses kept (whichever bound is hit first)
MAX_ENTRIES = 2_048
MAX_BYTES = 256 * 1024 * 1024
#: a single response larger than this is never cached (it would evict everything else)
MAX_ENTRY_BYTES = 16 * 1024 * 1024

Key = tuple[str, str, str, str]
#: the environment variable through which ``csas serve`` gives its workers one shared folder
SHARED_DIR_ENV = "CSAS_RESULT_CACHE_DIR"


@dataclass(frozen=True)
class CachedResult:
    """A rendered analysis response and what its audit record needs."""

    body: bytes
    params: dict[str, Any]
    result_hash: str
    row_count: int


def state_key(case: dict[str, Any] | None, sources: list[dict[str, Any]]) -> str | None:
    """The data-state key of a case, or ``None`` when it must not be cached.

    ``None`` means: no such case (disposed, or never created), or a file still loading.
    """
    if case is None:
        return None
    if any(source.get("status") != "complete" for source in sources):
        return None
    body = {"case": case, "sources": sources}
    text = json.dumps(body, sort_keys=True, default=_plain, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_state_key(store: GraphStore, case_id: str) -> str | None:
    """:func:`state_key` of a case, read now (one query)."""
    rows = store.read_once(cypher.load("api/case_state"), case_id=case_id)
    if not rows:
        return None
    return state_key(rows[0]["case"], list(rows[0]["sources"] or []))


def _plain(value: Any) -> str:
    # Neo4j temporal values: their ISO text identifies them exactly
    return str(value.iso_format() if hasattr(value, "iso_format") else value)


def make_key(case_id: str, analysis: str, params: dict[str, Any], state: str) -> Key:
    """The cache key; ``params`` are the *validated* parameters (defaults filled in)."""
    return (case_id, analysis, json.dumps(params, sort_keys=True, default=str, separators=(",", ":")), state)


class ResultCache:
    """A thread-safe LRU of :class:`CachedResult`, bounded by entries and bytes; counts hits.

    With ``shared_dir`` (``csas serve`` passes one to all its workers: a private folder, in memory
    where the system has ``/dev/shm``), entries are also written there, one file each, so that a
    result computed by one worker is a hit in the others; the folder is bounded the same way
    (oldest files out) and a case's files go with :meth:`forget_case`.
    """

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES, shared_dir: str | None = None):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.shared = Path(shared_dir) if shared_dir else None
        self._entries: OrderedDict[Key, CachedResult] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        #: case id -> when it was last forgotten (disposed of), for puts of analyses that were running
        self._forgotten: dict[str, float] = {}
        self._shared_puts = 0
        self.shared_bound_every = 64  # puts between two checks of the shared folder's bounds
        self.hits = 0
        self.misses = 0

    def get(self, key: Key) -> CachedResult | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
        found = self._read_shared(key) if self.shared else None
        with self._lock:
            if found is None:
                self.misses += 1
                return None
            self.hits += 1
        self._put_local(key, found)
        return found

    def put(self, key: Key, value: CachedResult, *, read_at: float | None = None) -> None:
        """Keep ``value`` under ``key``; ``read_at`` (``time.time()`` before the state in ``key`` was
        read): refused if the case was forgotten (disposed of, here or by another worker) since."""
        if read_at is not None and self._forgotten_since(key[0], read_at):
            return
        if self._put_local(key, value) and self.shared:
            self._write_shared(key, value)
        if read_at is not None and self._forgotten_since(key[0], read_at):  # disposed of while storing
            self._drop(key)

    def _drop(self, key: Key) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
        if self.shared:
            self._path(key).unlink(missing_ok=True)

    def _forgotten_since(self, case_id: str, read_at: float) -> bool:
        with self._lock:
            local = self._forgotten.get(case_id)
        if local is not None and local >= read_at:
            return True
        if self.shared is None:
            return False
        try:
            return self._tombstone(case_id).stat().st_mtime >= read_at
        except OSError:
            return False

    def _tombstone(self, case_id: str) -> Path:
        assert self.shared is not None
        return self.shared / f"forgotten-{_case_prefix(case_id)}"

    def _put_local(self, key: Key, value: CachedResult) -> bool:
        size = len(value.body)
        if size > MAX_ENTRY_BYTES or size > self.max_bytes:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = value
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)
        return True

    def forget_case(self, case_id: str) -> int:
        """Drop every entry of a case (on disposal); returns how many were dropped.

        An analysis of the case still running then cannot store its result afterwards (see
        :meth:`put`'s ``read_at``): the time is kept here and, for the other workers, as the
        modification time of a tombstone file in the shared folder.
        """
        now = time.time()
        if self.shared:
            try:
                tombstone = self._tombstone(case_id)
                tombstone.touch()
                os.utime(tombstone, (now, now))
            except OSError:
                pass
        with self._lock:
            self._forgotten[case_id] = now
            stale = [k for k in self._entries if k[0] == case_id]
            for k in stale:
                self._bytes -= len(self._entries.pop(k).body)
        if self.shared:
            for path in self.shared.glob(_case_prefix(case_id) + "-*"):
                path.unlink(missing_ok=True)
        return len(stale)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
        if self.shared:
            for path in self.shared.glob("*"):
                path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ shared between workers
    def _path(self, key: Key) -> Path:
        assert self.shared is not None
        name = hashlib.sha256(json.dumps(key).encode("utf-8")).hexdigest()
        return self.shared / f"{_case_prefix(key[0])}-{name}"

    def _read_shared(self, key: Key) -> CachedResult | None:
        try:
            data = self._path(key).read_bytes()
        except OSError:
            return None
        head, _, body = data.partition(b"\n")
        meta = json.loads(head)
        if meta.get("key") != list(key):  # a hash collision, or a file not written by this cache
            return None
        return CachedResult(body, meta["params"], meta["result_hash"], int(meta["row_count"]))

    def _write_shared(self, key: Key, value: CachedResult) -> None:
        meta = {
            "key": list(key),
            "params": value.params,
            "result_hash": value.result_hash,
            "row_count": value.row_count,
        }
        path = self._path(key)
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            # canonical_json: parameters read back give the same audit text as the originals
            partial.write_bytes(canonical_json(meta).encode("utf-8") + b"\n" + value.body)
            os.replace(partial, path)  # readers see the whole file or none
        except OSError:
            partial.unlink(missing_ok=True)
            return
        with self._lock:
            self._shared_puts += 1
            due = self._shared_puts % self.shared_bound_every == 0
        if due:
            self._bound_shared()

    def _bound_shared(self) -> None:
        """Oldest files out until the folder is within the entry and byte bounds."""
        assert self.shared is not None
        files = []
        for entry in os.scandir(self.shared):
            try:
                stat = entry.stat()
            except OSError:
                continue
            files.append((stat.st_mtime, stat.st_size, entry.path))
        files.sort()
        count, total = len(files), sum(size for _, size, _ in files)
        for _, size, path in files:
            if count <= self.max_entries and total <= self.max_bytes:
                break
            Path(path).unlink(missing_ok=True)
            count, total = count - 1, total - size

    def __len__(self) -> int:
        return len(self._entries)

    def case_ids(self) -> set[str]:
        with self._lock:
            return {k[0] for k in self._entries}


def _case_prefix(case_id: str) -> str:
    return hashlib.sha256(case_id.encode("utf-8")).hexdigest()[:16]
