// What a case's cells and cameras come from: its complete source files (SHA-256 and completion time, in SHA-256
// order) and how many files are still loading. Cells and cameras are only written by a file's load, so the same
// files, completed at the same times, with none loading, mean the same cells and cameras (a disposed and re-imported
// case completes its files again, at new times).
// params: case_id
// returns: files, completed, loading
OPTIONAL MATCH (f:SourceFile {case_id: $case_id, status: 'complete'})
WITH f ORDER BY f.sha256
WITH collect(f.sha256) AS files, collect(toString(f.completed_at)) AS completed
RETURN files, completed, COUNT { MATCH (g:SourceFile {case_id: $case_id}) WHERE g.status <> 'complete' } AS loading
