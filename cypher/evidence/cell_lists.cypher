// The cell lists of a case: which configurations each source file supplied and their validity dates.
// (docs/model.md names the property source_sha256; the loader writes src_sha256: both are read.)
// params: case_id
// returns: sha256, cells, valid_from, valid_to, open_ended
MATCH (c:Cell {case_id: $case_id})
WITH c, coalesce(c.source_sha256, c.src_sha256) AS sha256
WHERE sha256 IS NOT NULL
WITH sha256, count(c) AS cells, min(c.valid_from) AS valid_from,
     max(c.valid_to) AS valid_to, sum(CASE WHEN c.valid_to IS NULL THEN 1 ELSE 0 END) AS open_ended
RETURN sha256, cells, valid_from, valid_to, open_ended
ORDER BY sha256
