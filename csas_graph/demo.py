"""The sample case behind ``make demo``: generate, import, and give the analyst a token.

Everything here is ordinary library use — the same generator, importer and user management an
analyst would run by hand — so the demo exercises the real paths end to end.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csas_graph.auth import create_team, create_token, create_user, get_user, grant
from csas_graph.cases import ensure_case
from csas_graph.errors import Conflict, NotFound
from csas_graph.graph_store import GraphStore
from csas_graph.importer import ImportOutcome, import_file, run_post_import_hooks
from csas_graph.settings import Settings

DEMO_TEAM = "demo"
DEMO_USER = "demo-analyst"


@dataclass
class DemoCase:
    case_id: str
    folder: Path
    token: str
    outcomes: list[ImportOutcome] = field(default_factory=list)


def build_demo_case(
    store: GraphStore,
    settings: Settings,
    *,
    case_id: str,
    folder: Path,
    seed: int,
    rows: int,
    on_file: Callable[[str, int, int], None] | None = None,
) -> DemoCase:
    """Generate the synthetic case (once per folder), import it in truth order, issue a token.

    Re-running is cheap: files already imported are reported as such and nothing changes.
    """
    from csas_graph.synth.generate import PLAIN_TEMPLATE_FILE, generate

    truth_path = folder / "truth.json"
    truth: dict[str, Any] = (
        json.loads(truth_path.read_text(encoding="utf-8"))
        if truth_path.exists()
        else generate(folder, seed, rows, None)
    )
    _ensure_team_and_user(store)
    ensure_case(store, case_id, name="Demo: synthetic case", team=DEMO_TEAM, created_by=DEMO_USER)
    demo = DemoCase(case_id=case_id, folder=folder, token=create_token(store, DEMO_USER, expires_days=30))
    order = truth["import_order"]
    try:
        for index, name in enumerate(order, start=1):
            if on_file is not None:
                on_file(name, index, len(order))
            # the plain opaque-id layout is the one read with a user template (the generator writes it)
            template_file = folder / PLAIN_TEMPLATE_FILE if name.startswith("f_") else None
            demo.outcomes.append(
                import_file(
                    store,
                    case_id,
                    folder / name,
                    template_file=template_file,
                    user=DEMO_USER,
                    settings=settings,
                    run_hooks=False,
                )
            )
    finally:
        run_post_import_hooks(store, case_id, demo.outcomes)
    return demo


def _ensure_team_and_user(store: GraphStore) -> None:
    try:
        create_team(store, DEMO_TEAM)
    except Conflict:
        pass
    try:
        get_user(store, DEMO_USER)
    except NotFound:
        create_user(store, DEMO_USER, "analyst", [DEMO_TEAM])
    else:
        try:
            grant(store, DEMO_TEAM, DEMO_USER)
        except Conflict:
            pass
