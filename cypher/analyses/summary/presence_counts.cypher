// sighting_counts_at_cells.cypher answered from the PRESENCE summary: distinct sightings of each given number at
// any of the given cells with a time in [since_ms, until_ms] (epoch ms, inclusive). Events seen once are counted
// by list size; only events seen twice are de-duplicated by id.
// params: case_id, keys, cells, since_ms, until_ms
// returns: number, sightings
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})-[p:PRESENCE]->(c:Cell)
WHERE c.key IN $cells
WITH n, p.t AS t, p.pt AS pt, p.pids AS pids
// most spans cover a number's whole stay at a cell: then the list size is the count
WITH n, CASE WHEN size(t) = 0 THEN 0
             WHEN t[0] >= $since_ms AND t[-1] <= $until_ms THEN size(t)
             ELSE size([x IN t WHERE x >= $since_ms AND x <= $until_ms]) END AS once,
     CASE WHEN size(pt) = 0 THEN []
          WHEN pt[0] >= $since_ms AND pt[-1] <= $until_ms THEN pids
          ELSE [i IN range(0, size(pt) - 1) WHERE pt[i] >= $since_ms AND pt[i] <= $until_ms | pids[i]] END AS twice
WITH n, sum(once) AS once, collect(twice) AS twice
RETURN n.key AS number, once + COUNT { UNWIND twice AS ids UNWIND ids AS id RETURN DISTINCT id } AS sightings
ORDER BY number
