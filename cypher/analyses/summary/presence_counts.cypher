// sighting_counts_at_cells.cypher answered from the PRESENCE summary, over whole clock hours: distinct sightings of
// each given number at any of the given cells in the epoch hours lo_hour..hi_hour, without a DISTINCT over ids.
// Sightings at the cells in those hours (per-hour cumulative counts per number and cell: two binary searches per
// PRESENCE edge) less the events seen twice there (first and last sighting both at the cells and in those hours).
// An event seen twice has its earlier sighting in hour h1 and its later one in h2, h1 <= h2 <= h1 + band; when the
// span is at least band - 1 hours long, every event with h1 before lo_hour has h2 <= hi_hour, so the events seen
// twice are (h2 <= hi_hour) - (h1 < lo_hour), two more binary searches per PRESENCE_PAIR edge. A shorter span
// returns null: the caller counts that number from the events.
// params: case_id, keys, cells, lo_hour, hi_hour
// returns: number, sightings
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})
CALL (n) {
  MATCH (n)-[p:PRESENCE]->(c:Cell)
  WHERE c.key IN $cells
  WITH p.d AS d, p.cum AS cum
  // how many hours in d are <= hi_hour (upper) and < lo_hour (lower): binary searches over the sorted hours
  WITH cum,
       reduce(r = [0, size(d)], _ IN range(1, 31) | CASE WHEN r[0] >= r[1] THEN r WHEN d[(r[0] + r[1]) / 2] <= $hi_hour THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0] AS upper,
       reduce(r = [0, size(d)], _ IN range(1, 31) | CASE WHEN r[0] >= r[1] THEN r WHEN d[(r[0] + r[1]) / 2] < $lo_hour THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0] AS lower
  RETURN sum(CASE WHEN upper > 0 THEN cum[upper - 1] ELSE 0 END - CASE WHEN lower > 0 THEN cum[lower - 1] ELSE 0 END) AS seen
}
CALL (n) {
  MATCH (n)-[q:PRESENCE_PAIR]->(c:Cell)
  WHERE c.key IN $cells AND q.other IN $cells
  WITH q.d AS d, q.cum AS cum, q.d2 AS d2, q.cum2 AS cum2, q.band AS band
  WITH cum, cum2, band,
       reduce(r = [0, size(d2)], _ IN range(1, 31) | CASE WHEN r[0] >= r[1] THEN r WHEN d2[(r[0] + r[1]) / 2] <= $hi_hour THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0] AS upper,
       reduce(r = [0, size(d)], _ IN range(1, 31) | CASE WHEN r[0] >= r[1] THEN r WHEN d[(r[0] + r[1]) / 2] < $lo_hour THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0] AS lower
  RETURN sum(CASE WHEN upper > 0 THEN cum2[upper - 1] ELSE 0 END - CASE WHEN lower > 0 THEN cum[lower - 1] ELSE 0 END) AS twice,
         coalesce(max(band), 0) AS band
}
RETURN n.key AS number, CASE WHEN $hi_hour - $lo_hour >= band - 1 THEN seen - twice END AS sightings
ORDER BY number
