// The pattern-of-life digests (JSON text) of the given numbers (index seek per number); numbers without one are absent.
// params: case_id, keys
// returns: number, data
UNWIND $keys AS k
MATCH (s:LifeSummary {case_id: $case_id, number: k})
RETURN s.number AS number, s.data AS data
