"""The case registry against the real database."""

from __future__ import annotations

from datetime import date

import pytest

from csas_graph.cases import create_case, get_case, list_cases, update_case
from csas_graph.errors import Conflict, InvalidInput, NotFound
from csas_graph.graph_store import GraphStore


def test_create_get_list_update(store: GraphStore, case_id: str) -> None:
    case = create_case(store, case_id, name="Op Kestrel", team="red", review_date=date(2020, 1, 1))
    assert case.case_id == case_id and case.team == "red" and case.past_review
    assert get_case(store, case_id).name == "Op Kestrel"
    assert case_id in [c.case_id for c in list_cases(store, teams=["red"])]
    assert case_id not in [c.case_id for c in list_cases(store, teams=["blue"])]
    assert update_case(store, case_id, review_date=date(2999, 1, 1)).past_review is False
    with pytest.raises(Conflict):
        create_case(store, case_id)


def test_unknown_and_invalid_case_ids(store: GraphStore) -> None:
    with pytest.raises(NotFound):
        get_case(store, "no-such-case")
    with pytest.raises(InvalidInput, match="case id"):
        create_case(store, "../etc/passwd")
