// Record one analysis run (a registry node outside the case data).
// params: run_id, case_id, analysis, params, data_state, user, result_hash, row_count, result_json, columns, software_version
// returns: run_id
CREATE (r:AnalysisRun {run_id: $run_id, case_id: $case_id, analysis: $analysis, params: $params,
                       data_state: $data_state, user: $user, at: datetime(), result_hash: $result_hash,
                       row_count: $row_count, result_json: $result_json, columns: $columns,
                       software_version: $software_version})
RETURN r.run_id AS run_id
