// Every source file of a case with its provenance and reconciliation counts, by SHA-256.
// params: case_id
// returns: sha256, file_name, kind, size, template_id, template_version, software_version, imported_by, imported_at, rows_read, rows_loaded, rows_merged, rows_rejected, report, status
MATCH (f:SourceFile {case_id: $case_id})
RETURN f.sha256 AS sha256, f.file_name AS file_name, f.kind AS kind, f.size AS size,
       f.template_id AS template_id, f.template_version AS template_version,
       f.software_version AS software_version, f.imported_by AS imported_by, f.imported_at AS imported_at,
       f.rows_read AS rows_read, f.rows_loaded AS rows_loaded, f.rows_merged AS rows_merged,
       f.rows_rejected AS rows_rejected, f.report AS report, f.status AS status
ORDER BY f.sha256
