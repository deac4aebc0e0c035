// Which of a batch's call events are already in the case (an overlapping delivery), with what the
// case recorded for them; read before creating so that new events can be CREATEd without Eager.
// params: case_id, rows
// returns: row, event_id, existing_direction, existing_target
UNWIND $rows AS r
MATCH ()-[e:CALLED {case_id: $case_id, event_id: r.event_id}]->()
RETURN r.row AS row, r.event_id AS event_id, e.direction AS existing_direction, e.target AS existing_target
