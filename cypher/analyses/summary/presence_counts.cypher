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
  // an edge whose hours all lie inside the span, or all outside it, is counted from its first/last/total alone: most
  // edges, for a long span; only the others load their hour lists
  WITH p, CASE WHEN p.last < $lo_hour OR p.first > $hi_hour THEN 0
               WHEN p.first >= $lo_hour AND p.last <= $hi_hour THEN p.total END AS whole
  WITH whole, CASE WHEN whole IS NULL THEN p.d ELSE [] END AS d, CASE WHEN whole IS NULL THEN p.cum ELSE [] END AS cum
  // how many hours in d are <= hi_hour (upper) and < lo_hour (lower): a binary search (ceil(log2(n + 1)) halvings)
  WITH whole, cum,
       CASE WHEN size(d) = 0 OR NOT (d[0] <= $hi_hour) THEN 0 WHEN d[-1] <= $hi_hour THEN size(d)
            ELSE reduce(r = [0, size(d)], _ IN range(1, toInteger(ceil(log(size(d) + 1) / log(2)))) | CASE WHEN r[0] >= r[1] THEN r WHEN d[(r[0] + r[1]) / 2] <= $hi_hour THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0] END AS upper,
       CASE WHEN size(d) = 0 OR NOT (d[0] < $lo_hour) THEN 0 WHEN d[-1] < $lo_hour THEN size(d)
            ELSE reduce(r = [0, size(d)], _ IN range(1, toInteger(ceil(log(size(d) + 1) / log(2)))) | CASE WHEN r[0] >= r[1] THEN r WHEN d[(r[0] + r[1]) / 2] < $lo_hour THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0] END AS lower
  RETURN sum(coalesce(whole, CASE WHEN upper > 0 THEN cum[upper - 1] ELSE 0 END - CASE WHEN lower > 0 THEN cum[lower - 1] ELSE 0 END)) AS seen
}
CALL (n) {
  MATCH (n)-[q:PRESENCE_PAIR]->(c:Cell)
  WHERE c.key IN $cells AND q.other IN $cells
  // events seen twice with the earlier sighting at or after lo_hour and the later at or before hi_hour
  WITH q, CASE WHEN q.last < $lo_hour OR q.first2 > $hi_hour THEN 0
               WHEN q.first >= $lo_hour AND q.last2 <= $hi_hour THEN q.total END AS whole
  WITH whole, q.band AS band, CASE WHEN whole IS NULL THEN q.d ELSE [] END AS d, CASE WHEN whole IS NULL THEN q.cum ELSE [] END AS cum,
       CASE WHEN whole IS NULL THEN q.d2 ELSE [] END AS d2, CASE WHEN whole IS NULL THEN q.cum2 ELSE [] END AS cum2
  WITH whole, cum, cum2, band,
       CASE WHEN size(d2) = 0 OR NOT (d2[0] <= $hi_hour) THEN 0 WHEN d2[-1] <= $hi_hour THEN size(d2)
            ELSE reduce(r = [0, size(d2)], _ IN range(1, toInteger(ceil(log(size(d2) + 1) / log(2)))) | CASE WHEN r[0] >= r[1] THEN r WHEN d2[(r[0] + r[1]) / 2] <= $hi_hour THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0] END AS upper,
       CASE WHEN size(d) = 0 OR NOT (d[0] < $lo_hour) THEN 0 WHEN d[-1] < $lo_hour THEN size(d)
            ELSE reduce(r = [0, size(d)], _ IN range(1, toInteger(ceil(log(size(d) + 1) / log(2)))) | CASE WHEN r[0] >= r[1] THEN r WHEN d[(r[0] + r[1]) / 2] < $lo_hour THEN [(r[0] + r[1]) / 2 + 1, r[1]] ELSE [r[0], (r[0] + r[1]) / 2] END)[0] END AS lower
  RETURN sum(coalesce(whole, CASE WHEN upper > 0 THEN cum2[upper - 1] ELSE 0 END - CASE WHEN lower > 0 THEN cum[lower - 1] ELSE 0 END)) AS twice,
         coalesce(max(band), 0) AS band
}
RETURN n.key AS number, CASE WHEN $hi_hour - $lo_hour >= band - 1 THEN seen - twice END AS sightings
ORDER BY number
