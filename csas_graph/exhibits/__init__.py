"""Exhibits: reproducible reports with provenance, reviewed and signed off by a second person.

- :mod:`.model` the ``Exhibit`` record and its versions;
- :mod:`.review` create, edit (a final exhibit makes a new version) and approve;
- :mod:`.content` the deterministic content of a report (sources, methods, results, hashes);
- :mod:`.render` HTML (Jinja2) and PDF (WeasyPrint).
"""
