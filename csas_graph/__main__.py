"""``python -m csas_graph`` is the ``csas`` command."""

from csas_graph.cli import main

main()
