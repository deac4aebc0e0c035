// The analysis runs of a case, newest first (without their stored results).
// params: case_id
// returns: run
MATCH (r:AnalysisRun {case_id: $case_id})
RETURN r {.run_id, .case_id, .analysis, .params, .user, .at, .result_hash, .row_count} AS run
ORDER BY r.at DESC, r.run_id
