// The CONTACT summary edges touching any of the given numbers (self-loops left out), as parallel lists in the
// columns of contact_edges.cypher.
// params: case_id, keys, cap
// returns: a, b, events, calls, sms, data, a_to_b, duration_s, first, last, ids
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})-[e:CONTACT]-(:Number)
WITH DISTINCT e
WITH e, startNode(e).key AS a, endNode(e).key AS b
WHERE a <> b
WITH e, a, b ORDER BY a, b
RETURN collect(a) AS a, collect(b) AS b, collect(e.events) AS events, collect(e.calls) AS calls,
       collect(e.sms) AS sms, collect(e.data) AS data, collect(e.a_to_b) AS a_to_b,
       collect(e.duration_s) AS duration_s, collect(e.first) AS first, collect(e.last) AS last,
       collect(e.ids[..$cap]) AS ids
