"""The web UI: the single page at ``/`` and its static files under ``/static``.

Everything the browser loads comes from here (vis-network and Leaflet are vendored in
``viz/static/vendor``), and the page's Content-Security-Policy allows nothing else, so the UI
works on an air-gapped network. The page holds no data: it signs in with a token kept in
``sessionStorage`` and calls the JSON API like any other client.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse, HTMLResponse

from api.deps import SettingsDep
from api.routers.charts import content_security_policy
from csas_graph.errors import NotFound
from viz.assets import STATIC_DIR

router = APIRouter(tags=["ui"], include_in_schema=False)

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".md": "text/plain; charset=utf-8",
}
_NO_STORE = {"Cache-Control": "no-store"}


@router.get("/", response_class=HTMLResponse)
def index(settings: SettingsDep) -> HTMLResponse:
    """The single-page app."""
    html = (STATIC_DIR / "ui" / "index.html").read_text(encoding="utf-8")
    headers = {
        **_NO_STORE,
        "Content-Security-Policy": content_security_policy(settings, inline=False),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return HTMLResponse(html, headers=headers)


@router.get("/static/{path:path}")
def static(path: Annotated[str, Path(max_length=200)]) -> FileResponse:
    """A file of ``viz/static`` (scripts, styles, vendored libraries, their licences)."""
    target = (STATIC_DIR / path).resolve()
    if STATIC_DIR not in target.parents or not target.is_file() or target.suffix not in _TYPES:
        raise NotFound(f"no static file {path}")
    return FileResponse(
        target,
        media_type=_TYPES[target.suffix],
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
