// Uniqueness of every case-scoped node on (case_id, key), and of the global registry nodes.
CREATE CONSTRAINT case_id IF NOT EXISTS FOR (n:Case) REQUIRE n.case_id IS UNIQUE;
CREATE CONSTRAINT number_key IF NOT EXISTS FOR (n:Number) REQUIRE (n.case_id, n.key) IS UNIQUE;
CREATE CONSTRAINT handset_key IF NOT EXISTS FOR (n:Handset) REQUIRE (n.case_id, n.imei) IS UNIQUE;
CREATE CONSTRAINT sim_key IF NOT EXISTS FOR (n:SIM) REQUIRE (n.case_id, n.imsi) IS UNIQUE;
CREATE CONSTRAINT cell_key IF NOT EXISTS FOR (n:Cell) REQUIRE (n.case_id, n.key) IS UNIQUE;
CREATE CONSTRAINT vehicle_key IF NOT EXISTS FOR (n:Vehicle) REQUIRE (n.case_id, n.vrm) IS UNIQUE;
CREATE CONSTRAINT camera_key IF NOT EXISTS FOR (n:Camera) REQUIRE (n.case_id, n.camera_id) IS UNIQUE;
CREATE CONSTRAINT person_key IF NOT EXISTS FOR (n:Person) REQUIRE (n.case_id, n.key) IS UNIQUE;
CREATE CONSTRAINT source_file_key IF NOT EXISTS FOR (n:SourceFile) REQUIRE (n.case_id, n.sha256) IS UNIQUE;
CREATE CONSTRAINT user_name IF NOT EXISTS FOR (n:User) REQUIRE n.username IS UNIQUE;
CREATE CONSTRAINT team_name IF NOT EXISTS FOR (n:Team) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT api_token_hash IF NOT EXISTS FOR (n:ApiToken) REQUIRE n.token_hash IS UNIQUE;
CREATE CONSTRAINT audit_seq IF NOT EXISTS FOR (n:AuditRecord) REQUIRE n.seq IS UNIQUE
