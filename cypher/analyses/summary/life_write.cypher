// Store the pattern-of-life digest (JSON text) of each given number, replacing the one it had.
// params: case_id, rows
// returns: none
UNWIND $rows AS r
MERGE (s:LifeSummary {case_id: $case_id, number: r.number})
SET s.data = r.data, s.zone = r.zone
