"""Synthetic case generator: a town, a population, planted facts and every input layout.

Entry point: :func:`csas_graph.synth.generate.generate` (CLI: ``csas synth``).
"""
