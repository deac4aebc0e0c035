// Which of a batch's sightings (event, role, party) are already in the case.
// params: case_id, rows
// returns: row, role
UNWIND $rows AS r
MATCH ()-[e:SEEN_AT {case_id: $case_id, event_id: r.event_id, role: r.role, party: r.party}]->()
RETURN r.row AS row, r.role AS role
