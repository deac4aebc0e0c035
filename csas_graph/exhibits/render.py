"""Render an exhibit as HTML (Jinja2) and PDF (WeasyPrint).

The content comes from :func:`csas_graph.exhibits.content.build_content`; the only value that
changes between two renderings of the same exhibit is the ``<time class="generated">`` stamp
(and the PDF's creation date). A final exhibit is checked against the hash recorded at approval
before it is rendered, so a report can never silently differ from what the reviewer signed off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from csas_graph.errors import ConfigurationError, IntegrityError
from csas_graph.exhibits import adapters
from csas_graph.exhibits.content import AT_OR_BEFORE, SECTORS_NOT_COVERAGE, build_content, content_hash
from csas_graph.exhibits.figures import cell_map_svg
from csas_graph.exhibits.review import get_exhibit
from csas_graph.graph_store import GraphStore

_GENERATED = re.compile(r'<time class="generated">[^<]*</time>')


@dataclass(frozen=True)
class RenderedExhibit:
    exhibit_id: str
    label: str
    content: dict[str, Any]
    content_hash: str
    html: str
    pdf: bytes | None

    def file_stem(self) -> str:
        return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{self.content['case']['case_id']}_{self.label}")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("csas_graph.exhibits", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(content: dict[str, Any], review: dict[str, Any], generated_at: str) -> str:
    """The report as one self-contained HTML page (no external resources)."""
    figures = [
        Markup(cell_map_svg(a["cells"], f"Cells used by run {a['run_id']}")) if a["cells"] else None
        for a in content["analyses"]
    ]
    return (
        _environment()
        .get_template("exhibit.html.j2")
        .render(
            c=content,
            review=review,
            generated_at=generated_at,
            content_hash=content_hash(content),
            figures=figures,
            at_or_before=AT_OR_BEFORE,
            sectors=SECTORS_NOT_COVERAGE,
        )
    )


def render_pdf(html: str) -> bytes:
    """Typeset ``html`` with WeasyPrint; text stays text, so it can be extracted and searched."""
    try:
        import weasyprint
    except (ImportError, OSError) as err:  # OSError: Pango/HarfBuzz system libraries missing
        raise ConfigurationError(
            "WeasyPrint cannot load; install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b "
            f"libfontconfig1 fonts-dejavu-core ({err})"
        ) from err
    pdf: bytes = weasyprint.HTML(string=html, base_url=None).write_pdf()
    return pdf


def strip_generated(html: str) -> str:
    """The HTML without its generation stamp: equal for two renderings of the same exhibit."""
    return _GENERATED.sub('<time class="generated"></time>', html)


def render_exhibit(
    store: GraphStore,
    exhibit_id: str,
    *,
    user: str,
    client: str = "cli",
    pdf: bool = True,
    generated_at: datetime | None = None,
) -> RenderedExhibit:
    """Build, check and render an exhibit; audited as ``exhibit_render``.

    Raises
    ------
    IntegrityError
        A final exhibit whose content no longer hashes to the value recorded at approval.
    PermissionDenied
        A viewer (rendering produces a document that leaves the system, like an export).
    """
    adapters.require_role(store, user, adapters.EXPORTER_ROLES, "rendering an exhibit")
    exhibit = get_exhibit(store, exhibit_id)
    content = build_content(store, exhibit)
    digest = content_hash(content)
    if exhibit.is_final and exhibit.final_hash != digest:
        raise IntegrityError(
            f"exhibit {exhibit.label}: content hash {digest} differs from {exhibit.final_hash} recorded at "
            "approval; the underlying records changed"
        )
    stamp = (generated_at or datetime.now(UTC)).replace(microsecond=0).isoformat()
    review = {
        "status": exhibit.status,
        "approved_by": exhibit.approved_by,
        "approved_at": exhibit.approved_at,
        "final_hash": exhibit.final_hash,
    }
    html = render_html(content, review, stamp)
    document = render_pdf(html) if pdf else None
    adapters.record_audit(
        store,
        user=user,
        action="exhibit_render",
        case_id=exhibit.case_id,
        params={"exhibit_id": exhibit.exhibit_id, "pdf": pdf},
        result_count=len(exhibit.run_ids),
        result_hash=digest,
        client=client,
    )
    return RenderedExhibit(exhibit.exhibit_id, exhibit.label, content, digest, html, document)
