"""HTML to PDF with WeasyPrint, reading nothing but the portal's own static files.

A report is drawn from the portal's own data, so the renderer has no reason to reach any
other resource: ``data:`` URLs and files under the static folder are read, everything else
(http, https, ftp, a ``file:`` path elsewhere on the disk) is refused before any byte moves.
Fonts come from the machine (DejaVu, from Debian's fonts-dejavu-core, covers Vietnamese).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import weasyprint
from weasyprint.urls import URLFetcher

STATIC_ROOT = (Path(__file__).resolve().parents[2] / "static").resolve()


class StaticOnlyFetcher(URLFetcher):
    """A URL fetcher that serves ``data:`` URLs and files under the static folder only."""

    def __init__(self, root: Path = STATIC_ROOT):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.root = root.resolve()

    def fetch(self, url, headers=None):
        """Fetch ``url`` if it is a data URL or a file under the root; refuse anything else."""
        parsed = urlparse(url)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if not path.is_relative_to(self.root):
                raise ValueError(f"outside the portal's static files: {url}")
        elif parsed.scheme != "data":
            raise ValueError(f"a report reads no network resource: {url}")
        return super().fetch(url, headers)


def render_pdf(html: str, *, title: str | None = None) -> bytes:
    """Render a complete HTML document as PDF bytes (relative URLs resolve in the static folder)."""
    document = weasyprint.HTML(
        string=html, base_url=STATIC_ROOT.as_uri() + "/", url_fetcher=StaticOnlyFetcher()
    ).render()
    if title:
        document.metadata.title = title
    return document.write_pdf()
