"""The vendored browser assets, and standalone pages with every asset in-lined.

Nothing a page loads comes from the network: the app serves ``viz/static`` under ``/static``, and
a standalone download carries the same files in-line (style sheets' images as ``data:`` URIs), so
it opens from a USB stick on an air-gapped machine.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_CSS_URL = re.compile(r"url\((['\"]?)(images/[^)'\"]+)\1\)")
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html"]), keep_trailing_newline=True
    )


@lru_cache(maxsize=16)
def static_text(relative: str) -> str:
    """The text of a file under ``viz/static`` (refusing paths that leave it)."""
    path = (STATIC_DIR / relative).resolve()
    if STATIC_DIR not in path.parents:
        raise ValueError(f"{relative!r} is not under the static folder")
    return path.read_text(encoding="utf-8")


def inline_css(relative: str) -> str:
    """A style sheet with its relative ``url(images/...)`` references turned into data URIs."""
    folder = (STATIC_DIR / relative).parent

    def data_uri(match: re.Match[str]) -> str:
        image = folder / match.group(2)
        mime = _MIME.get(image.suffix, "application/octet-stream")
        return f"url(data:{mime};base64,{base64.b64encode(image.read_bytes()).decode('ascii')})"

    return _CSS_URL.sub(data_uri, static_text(relative))


def script_safe(text: str) -> str:
    """Text that cannot close the ``<script>``/``<style>`` element it is in-lined into."""
    return re.sub(r"</(script|style)", r"<\\/\1", text, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def payload_json(payload: Mapping[str, Any]) -> str:
    """The payload as JSON safe inside ``<script type="application/json">``."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(
    template: str, *, title: str, payload: Mapping[str, Any], styles: Sequence[str], scripts: Sequence[str]
) -> str:
    """A standalone HTML page with the given static files in-lined and the payload embedded."""
    env = _environment()
    return env.get_template(template).render(
        title=title,
        payload=payload,
        payload_json=payload_json(payload),
        inline_styles=[script_safe(inline_css(s)) for s in styles],
        inline_scripts=[script_safe(static_text(s)) for s in scripts],
    )


_LOADING_ATTRS = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "image": ("href", "xlink:href"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "audio": ("src",),
    "video": ("src", "poster"),
    "embed": ("src",),
    "object": ("data",),
    "use": ("href", "xlink:href"),
}
_CSS_REMOTE = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])(?:https?:)?//""", re.IGNORECASE)
_LOOPBACK = re.compile(r"^(?:https?:)?//(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])(?:[:/]|$)", re.IGNORECASE)


def external_resources(html: str) -> list[str]:
    """Every URL in ``html`` that a browser would fetch from another machine (loopback is allowed).

    Looks at the loading attributes of script, link, img, iframe… and at ``url(...)``/``@import``
    in styles; a plain ``<a href>`` or an ``xmlns`` is not a fetch and is not reported.
    """
    from html.parser import HTMLParser

    found: list[str] = []

    class _Scan(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            for name, value in attrs:
                if value and name in _LOADING_ATTRS.get(tag, ()):
                    for url in value.split(","):
                        url = url.strip().split(" ")[0]
                        if re.match(r"^(?:https?:)?//", url, re.IGNORECASE) and not _LOOPBACK.match(url):
                            found.append(url)
                if name == "style" and value and _CSS_REMOTE.search(value):
                    found.append(value)

    _Scan(convert_charrefs=True).feed(html)
    for match in _CSS_REMOTE.finditer(html):
        tail = html[match.end() - 2 : match.end() + 60]
        url = "//" + tail[2:].split(")")[0].split("'")[0].split('"')[0]
        if not _LOOPBACK.match(url):
            found.append(url)
    return found
