"""Photos of records: checked by content, re-encoded without any metadata, with a thumbnail.

An upload is trusted for nothing: its name and declared type are ignored, Pillow identifies the
bytes (JPEG, PNG and WebP only), the pixel count is checked before anything is decoded (a small
file can claim a gigapixel image: a decompression bomb), and the stored image is re-encoded from
its pixels alone. EXIF (with the GPS position of a household), XMP, ICC profiles and comments
never reach the store, for every layer. The EXIF orientation is applied first, so the photo keeps
the way up it was taken.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from portal.services.editing.values import invalid

MAX_BYTES = 10 * 1024 * 1024
#: 50 megapixels: any phone camera, far below what would exhaust memory when decoded.
MAX_PIXELS = 50_000_000
#: Stored photos are at most this many pixels wide or high: plenty for a map popup or a report.
STORED_SIZE = 2560
THUMB_SIZE = 320
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo and its thumbnail, ready to store."""

    content: bytes
    thumbnail: bytes
    mime: str
    extension: str
    width: int
    height: int


def _refuse(en: str, vi: str):
    return invalid("file", None, en, vi)


def _open(data: bytes) -> Image.Image:
    """Identify the image from its bytes; refuse other content and oversized images."""
    if not data:
        raise _refuse("The file is empty", "Tệp rỗng")
    if len(data) > MAX_BYTES:
        raise _refuse(f"The photo is larger than {MAX_BYTES // (1024 * 1024)} MB",
                      f"Ảnh lớn hơn {MAX_BYTES // (1024 * 1024)} MB")  # fmt: skip
    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, above its own limit; both mean "too many pixels".
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=tuple(FORMATS))
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, ValueError, SyntaxError):  # fmt: skip
        raise _refuse("The file is not a JPEG, PNG or WebP image",
                      "Tệp không phải ảnh JPEG, PNG hoặc WebP") from None  # fmt: skip
    width, height = image.size
    if width < 1 or height < 1:
        raise _refuse("The image has no pixels", "Ảnh không có điểm ảnh nào")
    if width * height > MAX_PIXELS:
        raise _refuse(f"The image has more than {MAX_PIXELS // 1_000_000} million pixels",
                      f"Ảnh có hơn {MAX_PIXELS // 1_000_000} triệu điểm ảnh")  # fmt: skip
    return image


def _pixels(image: Image.Image, fmt: str) -> Image.Image:
    """Return a new image holding only the (upright) pixels: no info, no EXIF, no profile."""
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise _refuse("The image is damaged or incomplete",
                      "Ảnh bị hỏng hoặc không đầy đủ") from None  # fmt: skip
    alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    mode = "RGBA" if alpha and fmt != "JPEG" else ("L" if upright.mode in ("1", "L") else "RGB")
    converted = upright.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def clean_photo(data: bytes) -> CleanPhoto:
    """Check an uploaded photo and return it re-encoded without metadata, with a thumbnail.

    Raises ``InvalidEdit`` (field ``file``) for empty, oversized, non-image, damaged or
    bomb-like uploads.
    """
    image = _open(data)
    fmt = image.format or ""
    if fmt not in FORMATS:
        raise _refuse("The file is not a JPEG, PNG or WebP image",
                      "Tệp không phải ảnh JPEG, PNG hoặc WebP")  # fmt: skip
    clean = _pixels(image, fmt)
    clean.thumbnail((STORED_SIZE, STORED_SIZE))
    thumb = clean.copy()
    thumb.thumbnail((THUMB_SIZE, THUMB_SIZE))
    return CleanPhoto(
        content=_encode(clean, fmt),
        thumbnail=_encode(thumb, fmt),
        mime=FORMATS[fmt],
        extension=EXTENSIONS[fmt],
        width=clean.width,
        height=clean.height,
    )
