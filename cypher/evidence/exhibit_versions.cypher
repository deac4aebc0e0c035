// Every version of an exhibit reference in a case, newest first.
// params: case_id, ref
// returns: exhibit
MATCH (e:Exhibit {case_id: $case_id, ref: $ref})
RETURN e {.*} AS exhibit
ORDER BY e.version DESC
