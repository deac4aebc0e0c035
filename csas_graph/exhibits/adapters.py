"""Thin adapters onto modules other engineers own (audit, auth, analyses), imported lazily.

Evidence code calls these, never the other modules directly, so that it keeps working while
those modules land and a signature change is fixed in one place.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from csas_graph.analyses.base import AnalysisResult
from csas_graph.errors import NotFound, PermissionDenied, ProgrammingError
from csas_graph.graph_store import GraphStore

#: roles that may approve another user's exhibit (FSR-C-135 checking and review)
APPROVER_ROLES = frozenset({"analyst", "team-lead"})
#: roles that may export case data; a viewer may look but not take data away
EXPORTER_ROLES = frozenset({"admin", "team-lead", "analyst"})


def _optional_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name and name.startswith(err.name):
            return None
        raise


def record_audit(
    store: GraphStore,
    *,
    user: str,
    action: str,
    case_id: str | None,
    params: dict[str, Any],
    result_count: int,
    result_hash: str | None,
    client: str,
) -> dict[str, Any]:
    """Append an audit record (:func:`csas_graph.audit.record_audit`); returns once committed."""
    from csas_graph.audit import record_audit as append

    return append(
        store,
        user=user,
        action=action,
        case_id=case_id,
        params=params,
        result_count=result_count,
        result_hash=result_hash,
        client=client,
    )


def user_role(store: GraphStore, username: str) -> str:
    """The role of a known user; an unknown user is refused (every action must be attributable)."""
    from csas_graph.auth import get_user

    try:
        return str(get_user(store, username).role)
    except NotFound:
        raise PermissionDenied(f"unknown user {username!r}: create the user first (csas user add)") from None


def require_role(store: GraphStore, username: str, allowed: frozenset[str], action: str) -> str:
    role = user_role(store, username)
    if role not in allowed:
        raise PermissionDenied(
            f"user {username!r} has role {role!r}; {action} needs one of: {', '.join(sorted(allowed))}"
        )
    return role


def run_analysis(store: GraphStore, case_id: str, name: str, params: dict[str, Any]) -> AnalysisResult:
    """Run a registered analysis through :mod:`csas_graph.analyses.registry`."""
    registry = _optional_module("csas_graph.analyses.registry")
    if registry is None or not hasattr(registry, "run_analysis"):
        raise ProgrammingError("csas_graph.analyses.registry.run_analysis is not available")
    result: AnalysisResult = registry.run_analysis(store, case_id, name, params)
    return result


def analysis_spec(name: str) -> dict[str, Any]:
    """What the registry says about an analysis: its method statement and limitations."""
    registry = _optional_module("csas_graph.analyses.registry")
    analyses = getattr(registry, "ANALYSES", {}) if registry is not None else {}
    spec = analyses.get(name)
    if spec is None:
        return {"method": None, "limitations": []}
    method = getattr(spec, "method", None)
    limitations = getattr(spec, "limitations", None) or []
    if isinstance(limitations, str):
        limitations = [limitations]
    return {"method": _text(method), "limitations": [_text(item) for item in limitations]}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return " ".join(value.split())
    return json.dumps(value, sort_keys=True, default=str)
