"""Reading the portal's PDFs back in tests: their text (pypdf) and their pages as PNG (pdfium)."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pypdfium2


def pdf_pages_text(data: bytes) -> list[str]:
    """The text of each page, in order."""
    return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def pdf_page_png(data: bytes, index: int, target: Path, scale: float = 1.5) -> Path:
    """Draw page ``index`` of the PDF into ``target`` (a PNG) and return its path."""
    document = pypdfium2.PdfDocument(data)
    try:
        document[index].render(scale=scale).to_pil().save(target)
    finally:
        document.close()
    return target
