// Store the identity digest (JSON text) of each given number, replacing the one it had.
// params: case_id, rows
// returns: none
UNWIND $rows AS r
MERGE (s:IdentitySummary {case_id: $case_id, number: r.number})
SET s.data = r.data
