// The SIMs and handsets of the given numbers, as links for a link chart (number-SIM, number-handset, SIM-handset).
// params: case_id, keys
// returns: kind, number, sim, imei, first_seen, last_seen, events
MATCH (n:Number {case_id: $case_id})
WHERE n.key IN $keys
CALL (n) {
  MATCH (n)-[u:USED_SIM]->(s:SIM)
  RETURN 'number-sim' AS kind, s.imsi AS sim, null AS imei, u.first_seen AS first_seen, u.last_seen AS last_seen,
         u.events AS events
  UNION ALL
  MATCH (n)-[u:USED_HANDSET]->(h:Handset)
  RETURN 'number-handset' AS kind, null AS sim, h.imei AS imei, u.first_seen AS first_seen,
         u.last_seen AS last_seen, u.events AS events
  UNION ALL
  MATCH (n)-[:USED_SIM]->(s:SIM)-[u:IN_HANDSET]->(h:Handset)
  RETURN 'sim-handset' AS kind, s.imsi AS sim, h.imei AS imei, u.first_seen AS first_seen,
         u.last_seen AS last_seen, u.events AS events
}
RETURN kind, n.key AS number, sim, imei, first_seen, last_seen, events
ORDER BY number, kind, first_seen, sim, imei
