// Record what a summary was built over: the complete files, per-number degrees, the evidence cap, and whether
// the build was clean (no load in flight, files unchanged while it ran).
// params: case_id, summary, files, numbers, degrees, cap, clean
// returns: none
MERGE (s:AnalysisSummary {case_id: $case_id, name: $summary})
SET s.files = $files, s.numbers = $numbers, s.degrees = $degrees, s.cap = $cap, s.clean = $clean,
    s.built_at = datetime()
