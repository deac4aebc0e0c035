"""A bounded schemathesis run against the OpenAPI document: no 5xx, no response that breaks it.

Authenticated as an analyst of the seeded case; every ``case_id`` path parameter is pointed at
that case so that generated requests get past the 404 of case access and exercise the handlers.
Each operation gets a fixed number of generated examples (derandomised, so runs are repeatable).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
import test_api_support as support
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from test_api_support import World

from api.main import create_app
from csas_graph.graph_store import GraphStore
from csas_graph.settings import Settings

world = support.world  # module-scoped fixture
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES = 25


def _labels() -> list[str]:
    # the document is static: read it from an app that is never started (starting one would
    # open the graph store of the default CSAS_HOME)
    paths = create_app(Settings()).openapi()["paths"]
    verbs = {"get", "post", "put", "patch", "delete"}
    return sorted(f"{verb.upper()} {path}" for path, ops in paths.items() for verb in ops if verb in verbs)


@pytest.fixture(scope="module")
def api_schema(store: GraphStore, settings: Settings, world: World) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(settings, store))


@pytest.mark.slow
@pytest.mark.parametrize("label", _labels())
def test_no_server_errors_and_responses_match_the_schema(label: str, api_schema: Any, world: World) -> None:
    operation = next(r.ok() for r in api_schema.get_all_operations() if r.ok().label == label)
    headers = world.auth("analyst")

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        if case.path_parameters and "case_id" in case.path_parameters:
            case.path_parameters["case_id"] = world.red_case
        case.call_and_validate(headers={**(case.headers or {}), **headers}, checks=CHECKS)

    run()
