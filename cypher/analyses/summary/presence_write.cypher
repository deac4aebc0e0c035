// Rebuild the PRESENCE summary of each given number. One (n)-[:PRESENCE]->(c) per cell it was seen at: `d`, the
// distinct hours (epoch hours, floor) of its sightings there, ascending, and `cum`, its sightings there up to and
// including each hour. One (n)-[:PRESENCE_PAIR {other}]->(c) per pair of cells at which one event saw it twice (first
// and last sighting; SEEN_AT is unique on event, role and party, so never more), c holding the earlier sighting (by
// time, then cell key; c may equal other): `d`/`cum` over the hours of the earlier sightings, `d2`/`cum2` the same over
// the hours of the later ones, and `band`, the most hours between an event's two sightings. Each edge also holds its
// first and last hours and its total (first2/last2 for the later sightings), read without loading the lists.
// params: case_id, keys
// returns: none
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})
CALL (n) {
  MATCH (n)-[old:PRESENCE|PRESENCE_PAIR]->(:Cell)
  DELETE old
}
CALL (n) {
  MATCH (n)-[s:SEEN_AT]->(c:Cell)
  WHERE s.t IS NOT NULL
  WITH c, s.t.epochMillis AS t
  ORDER BY t
  WITH c, collect(t) AS t
  CALL (t) {
    UNWIND t AS x
    WITH CASE WHEN x >= 0 THEN x / 3600000 ELSE (x + 1) / 3600000 - 1 END AS hour, count(*) AS k
    ORDER BY hour
    RETURN collect(hour) AS d, reduce(acc = [], x IN collect(k) | acc + [coalesce(acc[-1], 0) + x]) AS cum
  }
  CREATE (n)-[:PRESENCE {case_id: $case_id, d: d, cum: cum, first: d[0], last: d[-1], total: cum[-1]}]->(c)
}
CALL (n) {
  MATCH (n)-[s:SEEN_AT]->(c:Cell)
  WHERE s.t IS NOT NULL
  WITH s.event_id AS id, s.t.epochMillis AS t, c
  ORDER BY id, t, c.key
  WITH id, collect({t: t, c: c}) AS seen
  WHERE size(seen) = 2
  WITH seen[0].c AS c, seen[1].c AS other, seen[0].t AS ts, seen[1].t AS te
  ORDER BY ts, te
  WITH c, other, collect(ts) AS ts, collect(te) AS te
  CALL (ts, te) {
    UNWIND range(0, size(ts) - 1) AS i
    WITH CASE WHEN ts[i] >= 0 THEN ts[i] / 3600000 ELSE (ts[i] + 1) / 3600000 - 1 END AS hour, abs((CASE WHEN te[i] >= 0 THEN te[i] / 3600000 ELSE (te[i] + 1) / 3600000 - 1 END) - (CASE WHEN ts[i] >= 0 THEN ts[i] / 3600000 ELSE (ts[i] + 1) / 3600000 - 1 END)) AS gap
    WITH hour, count(*) AS k, max(gap) AS gap
    ORDER BY hour
    RETURN collect(hour) AS d, reduce(acc = [], x IN collect(k) | acc + [coalesce(acc[-1], 0) + x]) AS cum,
           max(gap) AS band
  }
  CALL (te) {
    UNWIND te AS x
    WITH CASE WHEN x >= 0 THEN x / 3600000 ELSE (x + 1) / 3600000 - 1 END AS hour, count(*) AS k
    ORDER BY hour
    RETURN collect(hour) AS d2, reduce(acc = [], x IN collect(k) | acc + [coalesce(acc[-1], 0) + x]) AS cum2
  }
  CREATE (n)-[:PRESENCE_PAIR {case_id: $case_id, other: other.key, d: d, cum: cum, d2: d2, cum2: cum2, band: band,
                             first: d[0], last: d[-1], first2: d2[0], last2: d2[-1], total: cum[-1]}]->(c)
}
