// The exhibits of a case, by reference and version.
// params: case_id
// returns: exhibit
MATCH (e:Exhibit {case_id: $case_id})
RETURN e {.*} AS exhibit
ORDER BY e.ref, e.version
