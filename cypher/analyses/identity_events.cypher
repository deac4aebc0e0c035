// Events of the given numbers (all when keys is null) that carry a handset or SIM identity, as parallel lists in time order.
// params: case_id, keys
// returns: number, event_id, t, imei, imsi, source
MATCH (n:Number {case_id: $case_id})
WHERE $keys IS NULL OR n.key IN $keys
CALL (n) {
  MATCH (n)-[r:CALLED]-(:Number)
  WHERE r.imei IS NOT NULL OR r.imsi IS NOT NULL
  RETURN r.event_id AS event_id, r.start AS t, r.imei AS imei, r.imsi AS imsi, 'called' AS source
  UNION
  MATCH (n)-[s:SEEN_AT]->()
  WHERE s.imei IS NOT NULL
  RETURN s.event_id AS event_id, s.t AS t, s.imei AS imei, null AS imsi, 'seen' AS source
}
WITH n, event_id, t, imei, imsi, source ORDER BY n.key, t, event_id
RETURN collect(n.key) AS number, collect(event_id) AS event_id, collect(t.epochMillis) AS t,
       collect(coalesce(imei, '')) AS imei, collect(coalesce(imsi, '')) AS imsi, collect(source) AS source
