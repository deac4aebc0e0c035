// The non-event links of a case: SIM and handset use, and attribution of numbers to people.
// params: case_id
// returns: rel, source, target, props
CALL () {
  MATCH (a:Number {case_id: $case_id})-[r:USED_SIM {case_id: $case_id}]->(b:SIM)
  RETURN 'USED_SIM' AS rel, 'Number:' + a.key AS source, 'SIM:' + b.imsi AS target, r {.*} AS props
  UNION ALL
  MATCH (a:SIM {case_id: $case_id})-[r:IN_HANDSET {case_id: $case_id}]->(b:Handset)
  RETURN 'IN_HANDSET' AS rel, 'SIM:' + a.imsi AS source, 'Handset:' + b.imei AS target, r {.*} AS props
  UNION ALL
  MATCH (a:Number {case_id: $case_id})-[r:USED_HANDSET {case_id: $case_id}]->(b:Handset)
  RETURN 'USED_HANDSET' AS rel, 'Number:' + a.key AS source, 'Handset:' + b.imei AS target, r {.*} AS props
  UNION ALL
  MATCH (a:Number {case_id: $case_id})-[r:ATTRIBUTED_TO {case_id: $case_id}]->(b:Person)
  RETURN 'ATTRIBUTED_TO' AS rel, 'Number:' + a.key AS source, 'Person:' + b.key AS target, r {.*} AS props
}
RETURN rel, source, target, props
ORDER BY rel, source, target
