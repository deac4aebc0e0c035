"""Analyses: small pure functions over the graph store."""
