// How many nodes and relationships still carry a case id (audit records excepted).
// params: case_id
// returns: nodes, relationships
CALL (*) { MATCH (n) WHERE n.case_id = $case_id AND NOT n:AuditRecord RETURN count(n) AS nodes }
CALL (*) { MATCH ()-[r]->() WHERE r.case_id = $case_id RETURN count(r) AS relationships }
RETURN nodes, relationships
