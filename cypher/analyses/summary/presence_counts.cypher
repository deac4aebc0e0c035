// sighting_counts_at_cells.cypher answered from the PRESENCE summary: distinct sightings of each given number at
// any of the given cells with a time in [since_ms, until_ms] (epoch ms, inclusive), without a DISTINCT over ids.
// Sightings at the cells in the window, less the events counted twice (both sightings, first and last, at the cells
// and in the window). The whole hours of the window more than `band` hours (the most hours between an event's two
// sightings, over the pairs of cells read) from its first and last hour are counted from the summary's per-hour
// cumulative counts (PRESENCE per cell, PRESENCE_PAIR per pair of cells, by the hour of the earlier sighting): such an
// event's other sighting is in the window too. The few hours left at each end are counted from the sightings
// themselves (time index per number; each one's other sighting by event id).
// params: case_id, keys, cells, since_ms, until_ms
// returns: number, sightings
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})
WITH n, CASE WHEN $since_ms >= 0 THEN $since_ms / 3600000 ELSE ($since_ms + 1) / 3600000 - 1 END AS lo_hour, CASE WHEN $until_ms >= 0 THEN $until_ms / 3600000 ELSE ($until_ms + 1) / 3600000 - 1 END AS hi_hour
CALL (n) {
  MATCH (n)-[q:PRESENCE_PAIR]->(c:Cell)
  WHERE c.key IN $cells AND q.other IN $cells
  RETURN collect(q) AS pairs, coalesce(max(q.band), 0) AS band
}
WITH n, pairs, lo_hour, hi_hour, lo_hour + band + 1 AS m0, hi_hour - band - 1 AS m1
CALL (n, m0, m1, lo_hour, hi_hour) {
  MATCH (n)-[p:PRESENCE]->(c:Cell)
  WHERE c.key IN $cells
  WITH p.d AS d, p.cum AS cum, m0, m1, lo_hour, hi_hour
  RETURN sum(CASE WHEN m0 > m1 THEN 0 ELSE [ab IN [[reduce(r = [0, size(d)], _ IN range(1, 31) | CASE WHEN r[0] >= r[1] THEN r WHEN d[(r[0] + r[1]) / 2] < m0 THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0], reduce(r = [0, size(d)], _ IN range(1, 31) | CASE WHEN r[0] >= r[1] THEN r WHEN d[(r[0] + r[1]) / 2] <= m1 THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0]]] | CASE WHEN ab[1] > 0 THEN cum[ab[1] - 1] ELSE 0 END - CASE WHEN ab[0] > 0 THEN cum[ab[0] - 1] ELSE 0 END][0] END) AS seen_mid,
         // sightings in the hours outside the whole ones: none means nothing to read at the ends
         sum([ab IN [[reduce(r = [0, size(d)], _ IN range(1, 31) | CASE WHEN r[0] >= r[1] THEN r WHEN d[(r[0] + r[1]) / 2] < lo_hour THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0], reduce(r = [0, size(d)], _ IN range(1, 31) | CASE WHEN r[0] >= r[1] THEN r WHEN d[(r[0] + r[1]) / 2] < m0 THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0], reduce(r = [0, size(d)], _ IN range(1, 31) | CASE WHEN r[0] >= r[1] THEN r WHEN d[(r[0] + r[1]) / 2] <= m1 THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0], reduce(r = [0, size(d)], _ IN range(1, 31) | CASE WHEN r[0] >= r[1] THEN r WHEN d[(r[0] + r[1]) / 2] <= hi_hour THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0]]] |
              CASE WHEN m0 > m1 THEN CASE WHEN ab[3] > 0 THEN cum[ab[3] - 1] ELSE 0 END - CASE WHEN ab[0] > 0 THEN cum[ab[0] - 1] ELSE 0 END
                   ELSE CASE WHEN ab[1] > 0 THEN cum[ab[1] - 1] ELSE 0 END - CASE WHEN ab[0] > 0 THEN cum[ab[0] - 1] ELSE 0 END + CASE WHEN ab[3] > 0 THEN cum[ab[3] - 1] ELSE 0 END - CASE WHEN ab[2] > 0 THEN cum[ab[2] - 1] ELSE 0 END END][0]) AS at_ends_hours
}
CALL (pairs, m0, m1) {
  UNWIND pairs AS q
  WITH q.d AS d, q.cum AS cum, m0, m1
  RETURN sum(CASE WHEN m0 > m1 THEN 0 ELSE [ab IN [[reduce(r = [0, size(d)], _ IN range(1, 31) | CASE WHEN r[0] >= r[1] THEN r WHEN d[(r[0] + r[1]) / 2] < m0 THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0], reduce(r = [0, size(d)], _ IN range(1, 31) | CASE WHEN r[0] >= r[1] THEN r WHEN d[(r[0] + r[1]) / 2] <= m1 THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0]]] | CASE WHEN ab[1] > 0 THEN cum[ab[1] - 1] ELSE 0 END - CASE WHEN ab[0] > 0 THEN cum[ab[0] - 1] ELSE 0 END][0] END) AS twice_mid
}
WITH n, seen_mid - twice_mid AS mid,
     CASE WHEN at_ends_hours = 0 THEN []
          WHEN m0 > m1 THEN [[$since_ms, $until_ms]]
          ELSE [[$since_ms, m0 * 3600000 - 1], [(m1 + 1) * 3600000, $until_ms]] END AS ends
CALL (n, ends) {
  UNWIND ends AS w
  MATCH (:Number)-[s:SEEN_AT]->(c:Cell)
  USING INDEX s:SEEN_AT(case_id, party, t)
  WHERE s.case_id = $case_id AND s.party = n.key AND s.t >= datetime({epochMillis: w[0]})
    AND s.t <= datetime({epochMillis: w[1]}) AND c.key IN $cells
  CALL (s, c) {
    OPTIONAL MATCH (:Number)-[o:SEEN_AT]->(oc:Cell)
    USING INDEX o:SEEN_AT(event_id)
    WHERE o.event_id = s.event_id AND o.case_id = $case_id AND o.party = s.party AND o.role <> s.role
    // counted twice: the other sighting is at the cells and in the window, and this one is the earlier
    RETURN CASE WHEN o IS NOT NULL AND oc.key IN $cells AND o.t >= datetime({epochMillis: $since_ms})
                 AND o.t <= datetime({epochMillis: $until_ms})
                 AND (s.t < o.t OR (s.t = o.t AND (c.key < oc.key OR (c.key = oc.key AND s.role < o.role))))
                THEN 1 ELSE 0 END AS twice
  }
  RETURN count(s) - sum(twice) AS at_ends
}
RETURN n.key AS number, mid + at_ends AS sightings
ORDER BY number
