// Numbers, IMEIs, IMSIs and VRMs of one case whose key contains the search text (partial match).
// $kinds limits the entity kinds (from the API's allow-list); at most $limit rows, ordered.
// params: case_id, q, kinds, limit
// returns: kind, value, subtype
CALL (*) {
  MATCH (n:Number) WHERE 'number' IN $kinds AND n.case_id = $case_id AND n.key CONTAINS $q
  RETURN 'number' AS kind, n.key AS value, n.kind AS subtype
  UNION ALL
  MATCH (h:Handset) WHERE 'imei' IN $kinds AND h.case_id = $case_id AND h.imei CONTAINS $q
  RETURN 'imei' AS kind, h.imei AS value, h.tac AS subtype
  UNION ALL
  MATCH (s:SIM) WHERE 'imsi' IN $kinds AND s.case_id = $case_id AND s.imsi CONTAINS $q
  RETURN 'imsi' AS kind, s.imsi AS value, null AS subtype
  UNION ALL
  MATCH (v:Vehicle) WHERE 'vrm' IN $kinds AND v.case_id = $case_id AND v.vrm CONTAINS toUpper($q)
  RETURN 'vrm' AS kind, v.vrm AS value, null AS subtype
}
RETURN kind, value, subtype
ORDER BY kind, value
LIMIT $limit
