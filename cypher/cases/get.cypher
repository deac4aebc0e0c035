// One case with its import counts.
// params: case_id
// returns: case
MATCH (c:Case {case_id: $case_id})
OPTIONAL MATCH (f:SourceFile {case_id: $case_id})
WITH c, count(f) AS files, sum(coalesce(f.rows_read, 0)) AS rows_read
RETURN c {.*, files: files, rows_read: rows_read} AS case
