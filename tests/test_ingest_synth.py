"""The reader against the synthetic generator: every built-in layout, no database.

For every file ``csas synth`` writes, ``ingest.read`` (template detected from the header, except the
user template the generator ships for the opaque plain CSV) must give truth.json's reconciliation:
the same rows read and rejects, and the same merges and flags, except what only the loader can
decide (``unresolved_cell`` against the cell lists, and ``mirrored_duplicate`` against events loaded
from *other* files: a row counted there is loaded by the reader).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import ingest

LOADER_FLAGS = {"unresolved_cell"}


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from csas_graph.synth.generate import generate

    out = tmp_path_factory.mktemp("synth")
    truth = generate(out, seed=7, rows=3000)
    return out, truth


@pytest.mark.slow
def test_every_generated_file_reconciles_with_truth(case: tuple[Path, dict[str, Any]]) -> None:
    out, truth = case
    templates_seen = set()
    for name in truth["import_order"]:
        expected = truth["files"][name]
        user_template = out / (name.rsplit(".", 1)[0] + ".template.yaml")
        kwargs: dict[str, Any] = {"template_file": user_template} if user_template.exists() else {}
        result = ingest.read(out / name, **kwargs)
        report = result.report
        templates_seen.add(result.template_id)
        assert result.template_id == expected["template"], name
        assert report.rows_read == expected["rows_read"], name
        assert report.rejected == expected["rejected"], name
        reasons = dict(report.reasons)
        want = dict(expected.get("reasons", {}))
        mine_mirrored = reasons.pop("mirrored_duplicate", 0)
        loader_mirrored = want.pop("mirrored_duplicate", 0) - mine_mirrored
        assert loader_mirrored >= 0, name
        assert reasons == want, name
        assert report.loaded - loader_mirrored == expected["loaded"], name
        for flag, count in expected.get("flags", {}).items():
            if flag not in LOADER_FLAGS:
                assert report.flags.get(flag, 0) == count, (name, flag)
        # every row accounted for, line numbers unique
        assert report.rows_read == report.loaded + report.merged + report.rejected
        assert result.frame["row"].is_unique
    assert {"uk_csp_call_data", "ho_adm_telephony", "ee_voice_sms", "vodafone_o2_gprs", "att_cdr"} <= templates_seen


@pytest.mark.slow
def test_dst_rows_of_truth_are_flagged(case: tuple[Path, dict[str, Any]]) -> None:
    out, truth = case
    dst = truth.get("dst") or {}
    planted = [("dst_ambiguous", item) for item in dst.get("ambiguous", [])]
    planted += [("dst_nonexistent", item) for item in dst.get("nonexistent", [])]
    assert planted, "the generator plants DST rows"
    frames: dict[str, Any] = {}
    for flag, item in planted:
        name = item["file"]
        if name not in frames:
            frames[name] = ingest.read(out / name).frame.set_index("row")
        row = frames[name].loc[item["row"]]
        assert row["outcome"] != "rejected" and flag in row["flags"], (name, item)
