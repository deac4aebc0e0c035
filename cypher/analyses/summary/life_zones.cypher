// The distinct time zones the case's pattern-of-life digests were built in (a refresh rebuilds all when one differs).
// params: case_id
// returns: zones
MATCH (s:LifeSummary {case_id: $case_id})
RETURN collect(DISTINCT s.zone) AS zones
