// Drop the pattern-of-life digests of numbers the case no longer has (a rolled-back file).
// params: case_id, keys
// returns: none
UNWIND $keys AS k
MATCH (s:LifeSummary {case_id: $case_id, number: k})
DELETE s
