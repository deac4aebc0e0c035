// CALLED events touching any of the given numbers in a window, aggregated per unordered pair a < b on the server
// (counts by kind, direction, duration, first/last as epoch ms, the first `cap` event ids), as parallel lists.
// params: case_id, keys, since, until, types, cap
// returns: a, b, events, calls, sms, data, a_to_b, duration_s, first, last, ids
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})-[r:CALLED]-(:Number)
WHERE r.start >= $since AND r.start <= $until AND r.type IN $types
WITH DISTINCT r
WITH r, startNode(r).key AS src, endNode(r).key AS dst
WHERE src <> dst
WITH r, src, CASE WHEN src < dst THEN src ELSE dst END AS a, CASE WHEN src < dst THEN dst ELSE src END AS b
ORDER BY r.event_id
WITH a, b, collect(r.event_id) AS ids, count(r) AS events,
     sum(CASE WHEN r.type IN ['voice', 'video'] THEN 1 ELSE 0 END) AS calls,
     sum(CASE WHEN r.type IN ['sms', 'mms'] THEN 1 ELSE 0 END) AS sms,
     sum(CASE WHEN r.type = 'data' THEN 1 ELSE 0 END) AS data,
     sum(CASE WHEN src = a THEN 1 ELSE 0 END) AS a_to_b,
     sum(coalesce(r.duration_s, 0)) AS duration_s, min(r.start) AS first, max(r.start) AS last
ORDER BY a, b
RETURN collect(a) AS a, collect(b) AS b, collect(events) AS events, collect(calls) AS calls, collect(sms) AS sms,
       collect(data) AS data, collect(a_to_b) AS a_to_b, collect(duration_s) AS duration_s,
       collect(first.epochMillis) AS first, collect(last.epochMillis) AS last, collect(ids[..$cap]) AS ids
