// One analysis run by id.
// params: run_id
// returns: run
MATCH (r:AnalysisRun {run_id: $run_id})
RETURN r {.*} AS run
