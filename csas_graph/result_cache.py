"""A bounded, in-process cache of analysis responses, keyed by the data they were computed from.

Analyses are deterministic: the same case data and the same validated parameters give the same
rows and the same result hash. A result can therefore be reused for as long as the case's data
has not changed. The cache key is

``(case_id, analysis, canonical parameters, data-state key)``

where the *data-state key* (:func:`state_key`) is the SHA-256 of the case node's properties and,
for every ``SourceFile`` of the case, its SHA-256, status and start and completion times. Every
change an analysis can see changes that key:

* an import begins (a new ``SourceFile``, status ``loading``), completes (status ``complete``, a
  completion time) or is rolled back (the ``SourceFile`` disappears);
* the case is updated (its time zone, say) or disposed of and re-created (a new creation time);
* a disposed case has no data-state key at all, and is never served from the cache.

While any file of the case is still loading the state is *unstable*: nothing is read from or
written to the cache, because the data changes under the analysis. A result is stored only if the
state read again after the analysis equals the state read before it.

The cache holds the rendered JSON response (bytes), the resolved parameters, the result hash and
the row count, so that a hit still writes a complete audit record. It is bounded by entries and by
bytes, least recently used first out, and lives in one process (each API worker has its own).

Limitations
-----------
An import that begins *and* is rolled back entirely between the two state reads of one analysis
(a failed import shorter than the analysis) leaves the state apparently unchanged; the result
computed on its partial data could then be stored. Data written to a case other than through the
importer (hand-edited Cypher) is invisible to the key: run ``csas serve`` afresh after such edits.
Derived data written after an import completes (a post-import hook) is invisible to the key. The
summaries of :mod:`csas_graph.analyses.summaries` are safe: an analysis answers from them only
when they were built over exactly the case's complete files, and then row for row and hash for
hash as from the events, so the answer is still a function of the files. Any other derived data
that can change an answer must stamp the ``Case`` or ``SourceFile`` it belongs to.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import cypher
from csas_graph.graph_store import GraphStore

#: most entries kept, and most bytes of rendered responses kept (whichever bound is hit first)
MAX_ENTRIES = 2_048
MAX_BYTES = 256 * 1024 * 1024
#: a single response larger than this is never cached (it would evict everything else)
MAX_ENTRY_BYTES = 16 * 1024 * 1024

Key = tuple[str, str, str, str]


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
    """A thread-safe LRU of :class:`CachedResult`, bounded by entries and bytes; counts hits."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Key, CachedResult] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Key) -> CachedResult | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Key, value: CachedResult) -> None:
        size = len(value.body)
        if size > MAX_ENTRY_BYTES or size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = value
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)

    def forget_case(self, case_id: str) -> int:
        """Drop every entry of a case (on disposal); returns how many were dropped."""
        with self._lock:
            stale = [k for k in self._entries if k[0] == case_id]
            for k in stale:
                self._bytes -= len(self._entries.pop(k).body)
            return len(stale)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def case_ids(self) -> set[str]:
        with self._lock:
            return {k[0] for k in self._entries}
