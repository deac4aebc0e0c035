"""The graph store: the only module that talks to Neo4j.

One driver per process, every call names the database, reads go through ``execute_read`` (so a
cluster can route them to secondaries) and writes through ``execute_write``. Transaction functions
are retried by the driver on transient errors, so every write here is idempotent per batch.
Queries come from ``cypher/`` and are checked against their declared parameters.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import neo4j
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ClientError, DriverError, Neo4jError, ServiceUnavailable

import cypher
from csas_graph.errors import GraphUnavailable, InvalidInput, ProgrammingError
from csas_graph.settings import Settings
from cypher import CypherQuery

Row = dict[str, Any]
#: attempts of a :meth:`GraphStore.read_plain` that failed with a transient error
READ_ATTEMPTS = 4


class GraphStore:
    """Typed access to one Neo4j database through one driver."""

    def __init__(self, driver: neo4j.Driver, database: str, uri: str, query_timeout_s: float = 60.0):
        self.driver = driver
        self.database = database
        self.uri = uri
        self.query_timeout_s = query_timeout_s
        #: every session of this store starts after the writes its earlier sessions committed,
        #: so on a cluster a read routed to a follower still sees this process's last import
        self.bookmarks = GraphDatabase.bookmark_manager()

    # --------------------------------------------------------------------------- connecting
    @classmethod
    def connect(cls, settings: Settings) -> GraphStore:
        """Open the configured database; with ``NEO4J_URI`` unset, start the local server."""
        if settings.uses_local_server:
            from csas_graph.local_server import LocalServer

            server = LocalServer(settings)
            status = server.start()
            assert status.uri is not None
            uri, user, password = status.uri, "neo4j", server.password()
        else:
            assert settings.neo4j_uri is not None
            uri, user = settings.neo4j_uri, settings.neo4j_user
            password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        return cls.open(uri, user, password, settings.neo4j_database, settings)

    @classmethod
    def open(cls, uri: str, user: str, password: str, database: str, settings: Settings) -> GraphStore:
        timeout = settings.neo4j_connect_timeout_s
        try:
            driver = GraphDatabase.driver(
                uri,
                auth=(user, password),
                connection_timeout=timeout,
                connection_acquisition_timeout=timeout * 2,
                max_transaction_retry_time=timeout,
                user_agent="csas-graph",
                # "property key does not exist" and the like are noise for users of a fresh case
                notifications_min_severity="OFF",
            )
            driver.verify_connectivity()
        except AuthError as err:
            raise GraphUnavailable(f"Neo4j at {uri} refused the credentials for user {user!r}") from err
        except (ServiceUnavailable, DriverError, OSError, ValueError) as err:
            raise GraphUnavailable(f"cannot reach Neo4j at {uri}: {_short(err)}") from err
        return cls(driver, database, uri, settings.neo4j_query_timeout_s)

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------ queries
    def read(self, query: CypherQuery | str, /, **params: Any) -> list[Row]:
        """Run a read query and return its rows as dicts (routed to a reader in a cluster)."""
        q = _checked(query, params)
        return self._session_call("read", _collect, self._query(q), params)

    def read_once(self, query: CypherQuery | str, /, **params: Any) -> list[Row]:
        """:meth:`read` in one auto-commit transaction: one round trip instead of three (begin,
        run, commit). The driver does not retry it; for small reads on a request's critical path
        (the API's token and case checks), whose caller fails cleanly and can be asked again."""
        return self._run_once(query, params, read=True)

    def read_plain(self, query: CypherQuery | str, /, **params: Any) -> list[Row]:
        """:meth:`read` for queries that return plain values (strings, numbers, lists of them), in
        one auto-commit transaction: one round trip instead of begin, run and commit, and records
        become dicts as they are (no ``Record.data()`` walk). Retried on transient errors like a
        managed transaction (a read is safe to repeat). The analyses' reads go this way."""
        q = _checked(query, params)
        text = neo4j.Query(q.text, timeout=self.query_timeout_s)
        sent = {key: _utc_param(value) for key, value in params.items()}

        def call() -> list[Row]:
            for attempt in itertools.count(1):
                try:
                    with self.session(read=True) as s:
                        return [dict(record.items()) for record in s.run(text, sent)]
                except (Neo4jError, DriverError) as err:
                    if attempt >= READ_ATTEMPTS or not err.is_retryable():
                        raise
                    time.sleep(0.05 * 2**attempt)
            raise AssertionError("unreachable")

        result: list[Row] = self._guard(call)
        return result

    def write(self, query: CypherQuery | str, /, **params: Any) -> list[Row]:
        """Run one write query in one managed transaction; it must be idempotent."""
        q = _checked(query, params)
        return self._session_call("write", _collect, self._query(q), params)

    def write_once(self, query: CypherQuery | str, /, **params: Any) -> list[Row]:
        """One write statement in one auto-commit transaction: one round trip (the answer comes
        once it is committed). Not retried: for appends whose every outcome the caller must learn
        and report (the audit trail's), never for work that a retry could apply twice unseen."""
        return self._run_once(query, params, read=False)

    def _run_once(self, query: CypherQuery | str, params: Mapping[str, Any], *, read: bool) -> list[Row]:
        """One statement in one auto-commit transaction, not retried (:meth:`read_once`, :meth:`write_once`)."""
        q = _checked(query, params)
        sent = {key: _utc_param(value) for key, value in params.items()}

        def call() -> list[Row]:
            with self.session(read=read) as session:
                return [r.data() for r in session.run(neo4j.Query(q.text, timeout=self.query_timeout_s), sent)]

        result: list[Row] = self._guard(call)
        return result

    def write_batches(
        self,
        query: CypherQuery | str,
        rows: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = 10_000,
        **params: Any,
    ) -> int:
        """``UNWIND $rows`` in batches, one transaction each; returns the number of rows sent."""
        q = _checked(query, {**params, "rows": None})
        text = self._query(q)
        sent = 0
        with self._session() as session:
            for batch in _batched(rows, batch_size):
                self._guard(lambda b=batch: session.execute_write(_consume, text, {**params, "rows": b}))
                sent += len(batch)
        return sent

    @contextmanager
    def transaction(self) -> Iterator[neo4j.ManagedTransaction | neo4j.Transaction]:
        """An explicit write transaction for work that must land whole or not at all."""
        with self._session() as session:
            tx = session.begin_transaction(timeout=self.query_timeout_s * 10)
            try:
                yield tx
                tx.commit()
            except BaseException:
                if not tx.closed():
                    tx.rollback()
                raise
            finally:
                tx.close()

    def run_statement(self, text: str, params: Mapping[str, Any], *, write: bool) -> list[Row]:
        """Run a user's ad-hoc statement (``csas db query``); read-only unless ``write``."""
        mode = "write" if write else "read"
        return self._session_call(mode, _collect, text, dict(params))

    def ping(self) -> bool:
        return self.read(cypher.load("ping"))[0]["ok"] == 1

    # ---------------------------------------------------------------------------- internals
    def _query(self, q: CypherQuery) -> str:
        return q.text

    def session(self, *, read: bool = False) -> neo4j.Session:
        """A session on the configured database, causally after this store's earlier writes."""
        mode = neo4j.READ_ACCESS if read else neo4j.WRITE_ACCESS
        return self.driver.session(database=self.database, bookmark_manager=self.bookmarks, default_access_mode=mode)

    def _session(self) -> neo4j.Session:
        return self.session()

    def _session_call(self, mode: str, fn: Any, query: str, params: Mapping[str, Any]) -> Any:
        # a server-side timeout, because variable-length path queries can run away
        work = neo4j.unit_of_work(timeout=self.query_timeout_s)(fn)

        sent = {key: _utc_param(value) for key, value in params.items()}

        def call() -> Any:
            with self._session() as session:
                runner = session.execute_read if mode == "read" else session.execute_write
                return runner(work, query, sent)

        return self._guard(call)

    def _guard(self, call: Any) -> Any:
        try:
            return call()
        except ServiceUnavailable as err:
            raise GraphUnavailable(f"Neo4j at {self.uri} is unavailable: {_short(err)}") from err
        except ClientError as err:
            code = err.code or ""
            if "AccessMode" in code or "ForbiddenOnReadOnly" in code:
                raise InvalidInput("statement writes to the database; pass --write to allow it") from err
            if "Syntax" in code or "ParameterMissing" in code or "Statement" in code:
                raise InvalidInput(f"Neo4j rejected the statement: {err.message}") from err
            raise
        except Neo4jError as err:
            raise GraphUnavailable(f"Neo4j at {self.uri} failed: {_short(err)}") from err


def _utc_param(value: Any) -> Any:
    """Aware datetimes go to the server in UTC: Neo4j refuses offsets beyond ±18:00 that Python
    accepts (an API client may send ``+18:01``), and UTC is what every event time is stored in."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise InvalidInput(f"time {value.isoformat()} is out of range") from None
    if isinstance(value, list):
        return [_utc_param(v) for v in value]
    return value


def _checked(query: CypherQuery | str, params: Mapping[str, Any]) -> CypherQuery:
    q = cypher.load(query) if isinstance(query, str) else query
    passed = frozenset(params)
    if passed != q.params:
        raise ProgrammingError(f"cypher/{q.name}.cypher declares {sorted(q.params)} but was given {sorted(passed)}")
    return q


def _collect(tx: neo4j.ManagedTransaction, query: str, params: dict[str, Any]) -> list[Row]:
    return [record.data() for record in tx.run(query, params)]


def _consume(tx: neo4j.ManagedTransaction, query: str, params: dict[str, Any]) -> None:
    tx.run(query, params).consume()


def _batched(rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    it = iter(rows)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _short(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:200] if text else type(err).__name__
