"""The audit trail: append-only, hash-chained records of every use of case data.

Each use (a case read, search, analysis, export, import, disposal, user change) becomes one
``(:AuditRecord)`` node outside every case. Records are numbered ``seq = 1, 2, …`` and each
holds ``prev_hash``, the hash of the record before it; its own ``hash`` is
``SHA-256(prev_hash || seq || body_hash)``, where ``body_hash`` is the SHA-256 of the canonical
JSON of every other field (:func:`link_hash`, ``hash_scheme`` 2; records written before it have no
``hash_scheme`` and hash the canonical JSON of every field, ``prev_hash`` included). Altering,
deleting or inserting a record therefore breaks the chain at that record, and
:func:`verify_chain` names it.

The link needs only the head and the body's hash, so Neo4j can make it itself, under the head's
lock, in the one statement that appends the record (:class:`InDatabaseWriter`, with APOC core's
``apoc.util.sha256``): the API's workers append that way, one round trip per record. Where the
function is missing the records are linked here, by the writers below, to the same scheme.

Appends are serialised on a single ``(:AuditHead)`` node: each write transaction first takes that
node's write lock, checks that the head is where the writer expects it, creates the records and
moves the head, so two writers (threads or processes) can never fork the chain. Within one
process, concurrent callers are grouped: whoever holds the writer slot appends everything queued
so far in one transaction (group commit), and every caller still returns only once *its* record
is committed. If the write
fails, :func:`record_audit` raises and the request that caused it fails too.

There is deliberately no setting that turns auditing off.

Limitations
-----------
The chain proves that records were not changed *relative to each other and to the head*. Someone
with write access to Neo4j could rewrite the whole chain and the head consistently; anchor the head
hash outside the database (``csas audit verify`` prints it) to detect that.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import ExitStack
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NotRequired, Protocol, TypedDict, Unpack

import cypher
from csas_graph.analyses.base import canonical_json
from csas_graph.errors import CsasError, GraphUnavailable, IntegrityError, InvalidInput
from csas_graph.graph_store import GraphStore

GENESIS = "0" * 64
#: the hash of records written now (see the module's docstring); older records have none
HASH_SCHEME = 2
#: the fields the first scheme hashed (all but ``hash``): records written before ``hash_scheme``
V1_FIELDS = (
    "seq",
    "at",
    "user",
    "action",
    "case_id",
    "params",
    "result_count",
    "result_hash",
    "client",
    "request_id",
    "prev_hash",
    "hash",
)
#: every field of a record, in export order
FIELDS = (*V1_FIELDS, "hash_scheme")
#: what ``body_hash`` covers: all but the link (``seq``, ``prev_hash``) and ``hash`` itself
BODY_FIELDS = tuple(name for name in FIELDS if name not in ("seq", "prev_hash", "hash"))
EXPORT_FORMATS = ("jsonl", "csv")

#: the current request id, set by the API middleware and copied into worker threads
REQUEST_ID: ContextVar[str | None] = ContextVar("csas_request_id", default=None)

_PAGE = 5_000


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify_chain`: ``ok``, how many records were checked, and the first bad one."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
    head_seq: int = 0
    head_hash: str = GENESIS

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
        }


# ---------------------------------------------------------------------------------- hashing
def record_hash(record: dict[str, Any]) -> str:
    """The hash ``record`` must carry, by its ``hash_scheme`` (absent fields count as null).

    Scheme 2: :func:`link_hash` of its ``prev_hash``, ``seq`` and :func:`body_hash`. No scheme
    (records written before it): SHA-256 of the canonical JSON of every first-scheme field but
    ``hash``. A record moved to the other scheme fails either way.
    """
    if record.get("hash_scheme") == HASH_SCHEME:
        return link_hash(record.get("prev_hash"), record.get("seq"), body_hash(record))
    body = {name: record.get(name) for name in V1_FIELDS if name != "hash"}
    if record.get("hash_scheme") is not None:  # an unknown scheme: hashed with it, so it cannot match
        body["hash_scheme"] = record.get("hash_scheme")
    return _json_sha256(body)


def body_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the record's fields other than its link and hash."""
    return _json_sha256({name: record.get(name) for name in BODY_FIELDS})


def _json_sha256(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def link_hash(prev_hash: Any, seq: Any, body: str) -> str:
    """SHA-256 of ``prev_hash``, ``seq`` (decimal) and ``body`` joined: what
    ``cypher/audit/append_linked.cypher`` computes with ``apoc.util.sha256`` (the two hashes have a
    fixed length, so the join is unambiguous)."""
    return hashlib.sha256(f"{prev_hash}{seq}{body}".encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------------------------- writing
class AuditFields(TypedDict):
    """What the caller says about one use: who, what, which case, with what, and what came back."""

    user: str
    action: str
    case_id: str | None
    params: dict[str, Any]
    result_count: int | None
    result_hash: str | None
    client: str | None
    request_id: NotRequired[str | None]


def record_audit(store: GraphStore, **fields: Unpack[AuditFields]) -> dict[str, Any]:
    """Append one audit record and return it (with ``seq`` and ``hash``) once it is committed.

    Raises
    ------
    GraphUnavailable
        The record could not be written; the caller must fail its request.
    """
    return _writer(store).submit(_entry(fields))


def send_audit(store: GraphStore, **fields: Unpack[AuditFields]) -> Ticket:
    """Hand one record to the writer and return at once; ``ticket.result()`` waits for its commit.

    With the dedicated writer process (``csas serve``) the caller can prepare its answer while the
    record commits, and must not release the answer before ``result()`` returned. With the
    in-process writer the record is committed before this returns.
    """
    writer = _writer(store)
    send = getattr(writer, "send", None)
    if send is not None:
        ticket: Ticket = send(_entry(fields))
        return ticket
    handed_over = time.perf_counter()
    ticket = Ticket.settled(writer.submit(_entry(fields)))
    ticket.sent_at = handed_over  # its commit latency: the whole append
    return ticket


def _entry(fields: AuditFields) -> dict[str, Any]:
    if not fields["user"] or not fields["action"]:
        raise InvalidInput("an audit record needs a user and an action", field="action" if fields["user"] else "user")
    request_id = fields.get("request_id")
    return {
        **fields,
        "params": canonical_json(fields["params"] or {}),
        "request_id": request_id if request_id is not None else REQUEST_ID.get(),
    }


class AuditUnavailable(GraphUnavailable):
    """The audit writer could not take, commit or confirm a record: the request must fail (503)."""


class Ticket:
    """An entry handed to the writer: its record once committed, or the error that lost it."""

    __slots__ = ("answer", "done", "timeout_s", "sent_at", "settled_at", "_callbacks", "_lock")

    def __init__(self, timeout_s: float) -> None:
        self.answer: dict[str, Any] | None = None
        self.done = threading.Event()
        self.timeout_s = timeout_s
        self.sent_at = self.settled_at = time.perf_counter()
        self._callbacks: list[Any] = []
        self._lock = threading.Lock()

    def result(self) -> dict[str, Any]:
        """Wait for the commit; :class:`GraphUnavailable` if it failed, the writer died or hung."""
        if not self.done.wait(self.timeout_s):
            raise AuditUnavailable(f"the audit writer did not answer within {self.timeout_s:.0f} s")
        answer = self.answer or {"error": "the audit writer stopped before answering"}
        if "error" in answer:
            raise AuditUnavailable(str(answer["error"]))
        record: dict[str, Any] = answer["record"]
        return record

    def on_done(self, callback: Any) -> None:
        """Call ``callback()`` once the answer is in (at once if it already is), from any thread."""
        with self._lock:
            if not self.done.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def settle(self, answer: dict[str, Any] | None) -> None:
        with self._lock:
            self.answer = answer
            self.settled_at = time.perf_counter()
            self.done.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    @classmethod
    def settled(cls, record: dict[str, Any]) -> Ticket:
        ticket = cls(0.0)
        ticket.settle({"record": record})
        return ticket


class _Pending:
    """One queued entry and, once its batch is done, its record or the error that lost it.

    ``wake`` is set when the entry's batch is done, or earlier when the entry's caller is asked to
    lead the next batch (``lead``).
    """

    __slots__ = ("entry", "record", "error", "done", "lead", "wake")

    def __init__(self, entry: dict[str, Any]) -> None:
        self.entry = entry
        self.record: dict[str, Any] | None = None
        self.error: BaseException | None = None
        self.done = False
        self.lead = False
        self.wake = threading.Event()


class _GroupWriter:
    """One per store: queues entries and appends them in as few transactions as possible.

    It remembers where it left the chain head, so an append is a single write transaction that
    succeeds only if the head is still there; if another process moved it (or the batch before
    failed to commit), the head is re-read under its lock and the batch re-chained.

    A caller queues its entry. If nobody is staging a batch, it leads: it takes *everything*
    queued, stages it (runs the append, which returns once the database has given the transaction
    the head's lock, i.e. once the batch before committed), hands the lead to the oldest caller
    still queued (if any), and commits. So while one batch commits the next is already queued on
    the lock, and every caller arriving meanwhile joins the batch after. Each caller is woken
    exactly once for its own record (and at most once more to lead), never to find nothing to do.
    """

    def __init__(self, store: GraphStore) -> None:
        self._store = weakref.ref(store)
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []
        self._staging = False
        self._head: tuple[int, str] | None = None

    def submit(self, entry: dict[str, Any]) -> dict[str, Any]:
        mine = _Pending(entry)
        with self._lock:
            self._pending.append(mine)
            if not self._staging:
                self._staging = mine.lead = True
        if not mine.lead:
            mine.wake.wait()
        if mine.lead and not mine.done:  # ours is not written yet: lead the next batch
            mine.wake.clear()
            with self._lock:
                batch, self._pending = self._pending, []
            self._lead(batch)
            mine.wake.wait()
        if mine.error is not None:
            raise mine.error
        assert mine.record is not None
        return mine.record

    def _lead(self, batch: list[_Pending]) -> None:
        """Stage ``batch``, hand the lead on, commit, and wake the batch's callers."""
        try:
            stack, records = self._stage([p.entry for p in batch])
        except BaseException as err:  # every waiter learns that its record was not written
            self._head = None
            self._hand_on()
            _finish(batch, None, err)
            return
        self._hand_on()  # the next leader's append now queues on the head's lock
        try:
            stack.close()  # commit
        except BaseException as err:
            self._head = None  # the next batch, chained on ours, fails its check and re-reads
            _finish(batch, None, err)
            return
        _finish(batch, records, None)

    def _hand_on(self) -> None:
        with self._lock:
            if not self._pending:
                self._staging = False
                return
            successor = self._pending[0]
            successor.lead = True
        successor.wake.set()

    def _stage(self, entries: list[dict[str, Any]]) -> tuple[ExitStack, list[dict[str, Any]]]:
        """Append ``entries`` in one open transaction; the caller commits it (closes the stack).

        The records are chained on the head this writer last left. If another writer (another
        process) moved the head meanwhile, the append writes nothing but has taken the head's lock
        all the same, so the head is re-read *inside the same transaction* (nobody can move it now),
        the entries re-chained and appended: one transaction and one commit in every case.
        """
        store = self._store()
        if store is None:
            raise GraphUnavailable("the graph store was closed before the audit record was written")
        stack = ExitStack()
        try:
            tx = stack.enter_context(store.transaction())
            if self._head is None:
                self._head = _locked_head(tx)
            seq, prev = self._head
            records = _chain(entries, seq, prev)
            if not _append(tx, records, seq, prev):
                seq, prev = _locked_head(tx)
                records = _chain(entries, seq, prev)
                if not _append(tx, records, seq, prev):
                    raise GraphUnavailable("the audit chain head moved while this writer held its lock")
        except BaseException:
            stack.__exit__(*sys.exc_info())  # roll back
            raise
        self._head = (records[-1]["seq"], records[-1]["hash"])
        return stack, records


def _locked_head(tx: Any) -> tuple[int, str]:
    """Lock the chain head (creating it on first use) and read where it is, inside ``tx``."""
    head = tx.run(cypher.load("audit/lock_head").text, {"genesis": GENESIS}).single(strict=True)
    return int(head["seq"]), str(head["hash"])


def _append(tx: Any, records: list[dict[str, Any]], seq: int, prev: str) -> bool:
    """Run the append statement; ``False`` (nothing written) when the head is not at ``seq``/``prev``."""
    last = records[-1]
    params = {"rows": records, "expect_seq": seq, "expect_hash": prev}
    rows = tx.run(cypher.load("audit/append").text, {**params, "last_seq": last["seq"], "last_hash": last["hash"]})
    return bool(rows.data())


def _finish(batch: list[_Pending], records: list[dict[str, Any]] | None, err: BaseException | None) -> None:
    failure = None if err is None else err if isinstance(err, GraphUnavailable) else _unavailable(err)
    for i, item in enumerate(batch):
        item.record = records[i] if records is not None else None
        item.error = failure
        item.done = True
        item.wake.set()


def _unavailable(err: BaseException) -> GraphUnavailable:
    failure = GraphUnavailable(f"the audit record could not be written: {type(err).__name__}")
    failure.__cause__ = err
    return failure


class Writer(Protocol):
    """Appends one entry to the chain and returns its record once committed (or raises)."""

    def submit(self, entry: dict[str, Any]) -> dict[str, Any]: ...


_WRITERS: weakref.WeakKeyDictionary[GraphStore, Writer] = weakref.WeakKeyDictionary()
_WRITERS_LOCK = threading.Lock()


def _writer(store: GraphStore) -> Writer:
    with _WRITERS_LOCK:
        writer = _WRITERS.get(store)
        if writer is None:
            writer = _WRITERS[store] = _GroupWriter(store)
        return writer


def route_records(store: GraphStore, writer: Writer | None) -> None:
    """Send every record written through ``store`` to ``writer`` (``None``: back to in-process).

    ``csas serve`` routes them to its dedicated writer process
    (:class:`csas_graph.audit_writer.RemoteWriter`); the chain and the guarantees are the same.
    """
    with _WRITERS_LOCK:
        if writer is None:
            _WRITERS.pop(store, None)
        else:
            _WRITERS[store] = writer


def _chain(entries: list[dict[str, Any]], seq: int, prev_hash: str) -> list[dict[str, Any]]:
    records = []
    for entry in entries:
        seq += 1
        record = {**_stamped(entry), "seq": seq, "prev_hash": prev_hash}
        record["hash"] = prev_hash = link_hash(prev_hash, seq, body_hash(record))
        records.append(record)
    return records


def _stamped(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "at": _now(), "hash_scheme": HASH_SCHEME}


class InDatabaseWriter:
    """Appends each record in one auto-commit statement that links it to the chain in Neo4j.

    The statement takes the head's lock, numbers the record, hashes the link with
    ``apoc.util.sha256`` and moves the head (``cypher/audit/append_linked.cypher``); it is
    answered once committed. So a caller waits for one round trip, and processes need not share a
    writer: each API worker appends for itself, and concurrent appends queue on the head's lock in
    Neo4j, whichever process (or CLI command) they come from. Needs :func:`links_in_database`.

    Limitations
    -----------
    No group commit: every record is its own transaction, so at several hundred records a second
    appenders start to queue on the head's lock (measured: ~4 ms a record at 200 a second on two
    cores). A failed or unanswered append raises :class:`AuditUnavailable`; one whose commit
    succeeded but whose answer was lost is in the chain while its request failed (the trail can
    over-report, never under-report).
    """

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def submit(self, entry: dict[str, Any]) -> dict[str, Any]:
        stamped = _stamped(entry)
        try:
            rows = self.store.write_once(
                cypher.load("audit/append_linked"), entry=stamped, body_hash=body_hash(stamped)
            )
        except Exception as err:
            raise AuditUnavailable(f"the audit record could not be written: {type(err).__name__}") from err
        if not rows:
            raise AuditUnavailable("the audit chain has no head (cypher/migrations/0073_audit_head.cypher)")
        return {**stamped, **rows[0]}


def links_in_database(store: GraphStore) -> bool:
    """Whether ``store``'s Neo4j has ``apoc.util.sha256`` (and so :class:`InDatabaseWriter` works)."""
    try:
        rows = store.read(cypher.load("audit/link_function"))
    except CsasError:
        return False
    return bool(rows) and rows[0]["hash"] == hashlib.sha256(b"").hexdigest()


# ------------------------------------------------------------------------------ verifying
def verify_chain(store: GraphStore) -> VerifyResult:
    """Re-hash every record in ``seq`` order and check the links and the head.

    The first record that fails names the damage: an altered record has a hash that does not
    match its content; a deleted one leaves a gap in ``seq`` and a ``prev_hash`` pointing at
    nothing; an inserted one has a ``seq`` or ``prev_hash`` that does not follow; a record
    deleted from the end leaves the head pointing past the last record.
    """
    head_rows = store.read(cypher.load("audit/head"))
    head_seq = int(head_rows[0]["seq"]) if head_rows else 0
    head_hash = str(head_rows[0]["hash"]) if head_rows else GENESIS
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for record in _all_records(store):
        seq = record.get("seq")
        problem = _check_record(record, expected_seq, prev_hash)
        if problem:
            bad = seq if isinstance(seq, int) and seq < expected_seq else expected_seq
            return VerifyResult(False, checked, bad, problem, head_seq, head_hash)
        checked += 1
        expected_seq, prev_hash = expected_seq + 1, str(record["hash"])
    last = expected_seq - 1
    if head_seq != last or head_hash != prev_hash:
        bad = min(head_seq, last) + 1 if head_seq != last else max(last, 1)
        reason = (
            f"the chain head is at seq {head_seq} with hash {head_hash[:12]}…, "
            f"but the last record is seq {last} with hash {prev_hash[:12]}…"
        )
        return VerifyResult(False, checked, bad, reason, head_seq, head_hash)
    return VerifyResult(True, checked, None, None, head_seq, head_hash)


def _check_record(record: dict[str, Any], expected_seq: int, prev_hash: str) -> str | None:
    seq = record.get("seq")
    if seq != expected_seq:
        if isinstance(seq, int) and seq > expected_seq:
            return f"record seq {expected_seq} is missing (next record is seq {seq})"
        return f"record seq {seq} is out of order or duplicated (expected seq {expected_seq})"
    if record.get("prev_hash") != prev_hash:
        return f"record seq {seq} does not follow the record before it (prev_hash mismatch)"
    if record.get("hash") != record_hash(record):
        return f"record seq {seq} was altered (its content does not match its hash)"
    return None


def _all_records(store: GraphStore) -> Iterator[dict[str, Any]]:
    after: int | float = -1
    while True:
        rows = store.read(cypher.load("audit/page"), after=after, limit=_PAGE)
        for row in rows:
            yield row["record"]
        if len(rows) < _PAGE:
            return
        after = rows[-1]["record"]["seq"]


def require_valid_chain(store: GraphStore) -> VerifyResult:
    """:func:`verify_chain`, raising :class:`IntegrityError` naming the first bad record."""
    result = verify_chain(store)
    if not result.ok:
        raise IntegrityError(
            f"audit chain broken at record seq {result.first_bad_seq}: {result.reason}",
            seq=result.first_bad_seq,
        )
    return result


# ------------------------------------------------------------------------------- exporting
def select_records(
    store: GraphStore,
    *,
    case_ids: list[str] | None = None,
    user: str | None = None,
    after: int = 0,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Records in chain order, filtered by cases (``None`` = all) and user, as plain dicts."""
    remaining = limit
    while remaining is None or remaining > 0:
        page = _PAGE if remaining is None else min(_PAGE, remaining)
        rows = store.read(cypher.load("audit/select"), case_ids=case_ids, user=user, after=after, limit=page)
        for row in rows:
            yield {name: row["record"].get(name) for name in FIELDS}
        if len(rows) < page:
            return
        after = rows[-1]["record"]["seq"]
        if remaining is not None:
            remaining -= len(rows)


def export_records(records: Iterator[dict[str, Any]] | list[dict[str, Any]], fmt: str) -> Iterator[str]:
    """Render records as JSONL (one canonical JSON object a line) or CSV with a header row."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"audit export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}", field="format")
    if fmt == "jsonl":
        for record in records:
            yield canonical_json(record) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    yield _drain(buffer)
    for record in records:
        writer.writerow({k: _csv_cell(v) for k, v in record.items()})
        yield _drain(buffer)


def _csv_cell(value: Any) -> Any:
    # a leading =, +, - or @ would make a spreadsheet evaluate the cell (CSV injection)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def parse_params(record: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a record, decoded from their canonical JSON text."""
    value = json.loads(record.get("params") or "{}")
    return value if isinstance(value, dict) else {"value": value}
