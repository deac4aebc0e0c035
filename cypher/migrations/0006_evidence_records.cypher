// Analysis runs and exhibits are registry records with globally unique ids.
CREATE CONSTRAINT analysis_run_id IF NOT EXISTS FOR (n:AnalysisRun) REQUIRE n.run_id IS UNIQUE;
CREATE CONSTRAINT exhibit_id IF NOT EXISTS FOR (n:Exhibit) REQUIRE n.exhibit_id IS UNIQUE;
CREATE INDEX analysis_run_case IF NOT EXISTS FOR (n:AnalysisRun) ON (n.case_id);
CREATE INDEX exhibit_case_ref IF NOT EXISTS FOR (n:Exhibit) ON (n.case_id, n.ref)
