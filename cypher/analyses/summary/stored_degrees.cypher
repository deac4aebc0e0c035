// The per-number CALLED degrees recorded when the contact summary was last refreshed.
// params: case_id, summary
// returns: numbers, degrees
MATCH (s:AnalysisSummary {case_id: $case_id, name: $summary})
RETURN s.numbers AS numbers, s.degrees AS degrees
