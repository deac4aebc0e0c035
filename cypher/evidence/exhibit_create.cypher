// Create an exhibit version (a draft); returns nothing if that ref and version already exist.
// params: exhibit_id, case_id, ref, version, title, author, run_ids, notes, supersedes
// returns: exhibit_id
OPTIONAL MATCH (existing:Exhibit {case_id: $case_id, ref: $ref, version: $version})
WITH existing WHERE existing IS NULL
CREATE (e:Exhibit {exhibit_id: $exhibit_id, case_id: $case_id, ref: $ref, version: $version, title: $title,
                   author: $author, contributors: [$author], run_ids: $run_ids, notes: $notes, supersedes: $supersedes,
                   status: 'draft', created_at: datetime(), updated_at: datetime()})
RETURN e.exhibit_id AS exhibit_id
