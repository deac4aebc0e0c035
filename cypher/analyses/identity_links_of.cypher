// Number-SIM, Number-Handset and SIM-Handset links of the given numbers (index seek per number).
// params: case_id, keys
// returns: kind, number, sim, imei, placeholder, first_seen, last_seen, events
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})
CALL (n) {
  MATCH (n)-[u:USED_SIM]->(s:SIM)
  RETURN 'number-sim' AS kind, s.imsi AS sim, null AS imei, null AS placeholder, u.first_seen AS first_seen,
         u.last_seen AS last_seen, u.events AS events
  UNION ALL
  MATCH (n)-[u:USED_HANDSET]->(h:Handset)
  RETURN 'number-handset' AS kind, null AS sim, h.imei AS imei, h.placeholder AS placeholder,
         u.first_seen AS first_seen, u.last_seen AS last_seen, u.events AS events
  UNION ALL
  MATCH (n)-[:USED_SIM]->(s:SIM)-[u:IN_HANDSET]->(h:Handset)
  RETURN 'sim-handset' AS kind, s.imsi AS sim, h.imei AS imei, h.placeholder AS placeholder,
         u.first_seen AS first_seen, u.last_seen AS last_seen, u.events AS events
}
RETURN kind, n.key AS number, sim, imei, placeholder, first_seen, last_seen, events
ORDER BY number, kind, first_seen, sim, imei
