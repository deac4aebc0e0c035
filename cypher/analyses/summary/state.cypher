// A case's summary state beside the case's current source files: the summary may be used only when it was
// built over exactly the complete files there are now, with no load in flight.
// params: case_id, summary
// returns: built_files, clean, cap, files, completed, loading
OPTIONAL MATCH (s:AnalysisSummary {case_id: $case_id, name: $summary})
RETURN s.files AS built_files, coalesce(s.clean, false) AS clean, s.cap AS cap,
       COLLECT { MATCH (f:SourceFile {case_id: $case_id, status: 'complete'}) RETURN f.sha256 ORDER BY f.sha256 } AS files,
       // completion times in the same order: with files and loading, the data version (see data_version.cypher)
       COLLECT { MATCH (f:SourceFile {case_id: $case_id, status: 'complete'}) WITH f ORDER BY f.sha256 RETURN toString(f.completed_at) } AS completed,
       COUNT { MATCH (f:SourceFile {case_id: $case_id}) WHERE f.status <> 'complete' } AS loading
