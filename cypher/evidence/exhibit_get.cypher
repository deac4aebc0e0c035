// One exhibit by id.
// params: exhibit_id
// returns: exhibit
MATCH (e:Exhibit {exhibit_id: $exhibit_id})
RETURN e {.*} AS exhibit
