// A tower dump in one round trip: each scene's cells (those given, or those whose site lies within radius_m of the
// point: point index seek) and the sightings at them in the scene's window ((case_id, t, party, event_id) index,
// as sightings_at_cells.cypher). Each probe is {probe, cells (a list, or null for a point), lat, lon, radius_m, since,
// until}. Returns the scenes' cell lists (in probe order) and the sightings as parallel lists, in no particular order.
// params: case_id, probes
// returns: scene_cells, probe, number, event_id, t, cell
UNWIND $probes AS p
CALL (p) {
  WITH p WHERE p.cells IS NULL
  MATCH (c:Cell)
  WHERE point.distance(c.location, point({latitude: p.lat, longitude: p.lon})) <= p.radius_m AND c.case_id = $case_id
  WITH c.key AS key ORDER BY key
  RETURN collect(key) AS near
}
WITH p, coalesce(p.cells, near) AS cells ORDER BY p.probe
WITH collect(cells) AS scene_cells, collect({probe: p.probe, cells: cells, since: p.since, until: p.until}) AS scenes
CALL (scenes) {
  UNWIND scenes AS p
  MATCH ()-[s:SEEN_AT]->(c)
  USING INDEX s:SEEN_AT(case_id, t, party, event_id)
  WHERE s.case_id = $case_id AND s.t >= p.since AND s.t <= p.until AND s.party IS NOT NULL AND s.event_id IS NOT NULL
    AND c.key IN p.cells
  RETURN collect(p.probe) AS probe, collect(s.party) AS number, collect(s.event_id) AS event_id,
         collect(s.t.epochMillis) AS t, collect(c.key) AS cell
}
RETURN scene_cells, probe, number, event_id, t, cell
