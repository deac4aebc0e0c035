"""CSAS-graph: an open-source Cell Site Analysis Suite on Neo4j."""

__version__ = "0.1.0"
