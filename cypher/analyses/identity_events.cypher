// Events of the given numbers (all when keys is null) that carry a handset or SIM identity, in time order.
// params: case_id, keys
// returns: number, event_id, t, imei, imsi, source
MATCH (n:Number {case_id: $case_id})
WHERE $keys IS NULL OR n.key IN $keys
CALL (n) {
  MATCH (n)-[r:CALLED]-(:Number)
  WHERE r.imei IS NOT NULL OR r.imsi IS NOT NULL
  RETURN r.event_id AS event_id, r.start AS t, r.imei AS imei, r.imsi AS imsi, 'called' AS source
  UNION
  MATCH (n)-[s:SEEN_AT]->(:Cell)
  WHERE s.imei IS NOT NULL
  RETURN s.event_id AS event_id, s.t AS t, s.imei AS imei, null AS imsi, 'seen' AS source
}
RETURN n.key AS number, event_id, t, imei, imsi, source
ORDER BY number, t, event_id
