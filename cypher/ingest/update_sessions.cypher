// Extend data sessions whose later partial records came in a later chunk: new end and duration on
// every sighting of the session.
// params: case_id, rows
// returns: none
UNWIND $rows AS r
MATCH ()-[s:SEEN_AT {case_id: $case_id, event_id: r.event_id}]->()
SET s.end = r.end, s.duration_s = r.duration_s
