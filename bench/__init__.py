"""Benchmarks: ``python -m bench.<area>``; figures are recorded in docs/benchmarks.md."""
