"""Every Cypher statement of CSAS-graph, one ``.cypher`` file per query, and their loader.

Each file opens with a comment header::

    // What the query does, in a sentence or two.
    // params: case_id, since
    // returns: number, calls

``params`` lists exactly the ``$parameters`` the body uses (``none`` if it has none) and
``returns`` the columns it yields. :func:`load` parses the header and the graph store refuses to
run a query with any other set of parameters, so a file and its callers cannot drift apart.
Files ship as package data, so an installed wheel has them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from csas_graph.errors import ProgrammingError

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


@dataclass(frozen=True)
class CypherQuery:
    """A named statement with its declared parameters and returned columns."""

    name: str
    text: str
    params: frozenset[str]
    returns: tuple[str, ...]

    def used_params(self) -> frozenset[str]:
        """The ``$parameters`` that the body actually uses (comments and strings ignored)."""
        body = "\n".join(_strip_comment(line) for line in self.text.splitlines())
        return frozenset(_PARAM.findall(_STRING.sub("''", body)))


def _strip_comment(line: str) -> str:
    return line.split("//", 1)[0] if "//" in line and "://" not in line else line


def _parse(name: str, text: str) -> CypherQuery:
    params: frozenset[str] | None = None
    returns: tuple[str, ...] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("//"):
            break
        key, _, value = stripped[2:].strip().partition(":")
        if key == "params":
            items = [p.strip().lstrip("$") for p in value.split(",") if p.strip()]
            params = frozenset() if items == ["none"] else frozenset(items)
        elif key == "returns":
            items = [c.strip() for c in value.split(",") if c.strip()]
            returns = () if items == ["none"] else tuple(items)
    if params is None or returns is None:
        raise ProgrammingError(f"cypher/{name}.cypher: header must declare 'params:' and 'returns:'")
    return CypherQuery(name=name, text=text, params=params, returns=returns)


@cache
def load(name: str) -> CypherQuery:
    """Read ``cypher/<name>.cypher`` (``name`` may contain ``/`` for subfolders)."""
    resource = resources.files(__name__).joinpath(f"{name}.cypher")
    if not resource.is_file():
        raise ProgrammingError(f"no Cypher file cypher/{name}.cypher")
    return _parse(name, resource.read_text(encoding="utf-8"))


def names() -> list[str]:
    """Every query name (migrations excluded), sorted."""
    root = resources.files(__name__)
    found: list[str] = []
    for entry in root.iterdir():
        if entry.is_dir() and entry.name not in {"migrations", "__pycache__"}:
            found += [f"{entry.name}/{f.name[:-7]}" for f in entry.iterdir() if f.name.endswith(".cypher")]
        elif entry.name.endswith(".cypher"):
            found.append(entry.name[:-7])
    return sorted(found)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


@cache
def migrations() -> tuple[Migration, ...]:
    """Schema migrations from ``cypher/migrations/NNNN_name.cypher``, in version order.

    A migration file holds one or more statements separated by ``;``; each must be idempotent
    (``IF NOT EXISTS``), because a migration interrupted half-way is simply applied again.
    """
    found = []
    for entry in resources.files(__name__).joinpath("migrations").iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.cypher", entry.name)
        if not match:
            continue
        body = "\n".join(
            line for line in entry.read_text(encoding="utf-8").splitlines() if not line.strip().startswith("//")
        )
        statements = tuple(s.strip() for s in body.split(";") if s.strip())
        found.append(Migration(int(match.group(1)), match.group(2), statements))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ProgrammingError("two migrations share a version number")
    return tuple(found)
