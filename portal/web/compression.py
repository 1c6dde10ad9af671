"""Lean answers on the wire: compressed pages, JSON and static files, and long-lived assets.

Flask-Compress compresses rendered pages and uncached JSON (brotli when the browser accepts it,
else gzip). Two kinds of answer are compressed here instead, once, and the compressed bytes
kept: the cached API bodies (:class:`EncodedBody`, stored in the versioned cache by
``portal.api.maps.cached_json``) and the static files (:func:`_compress_static`). An answer
compressed here carries its ``Content-Encoding``, which Flask-Compress leaves alone.

Static files under ``vendor/`` (versioned by the package lock) and any static URL carrying a
``?v=`` content hash (see :func:`portal.web.assets.asset_url`) may be cached for a year.
"""

from __future__ import annotations

import gzip
import threading
from pathlib import Path

from flask import Flask, Response, request
from flask_compress import Compress
from werkzeug.security import safe_join

from portal.web.assets import asset_url

try:  # brotli is optional: without it everything is gzip
    import brotli
except ImportError:  # pragma: no cover - brotli is installed with Flask-Compress
    brotli = None

#: Media types worth compressing (text; images and fonts are compressed already).
COMPRESSIBLE = (
    "application/json",
    "application/geo+json",
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "text/csv",
    "image/svg+xml",
)
#: A year: the lifetime of a static file whose URL changes when its content does.
LONG_MAX_AGE = 365 * 24 * 3600
GZIP_LEVEL = 5
BROTLI_QUALITY = 4
#: Bodies larger than this (close-up map views, mostly asked for once) are compressed at the
#: fastest levels: about 45 KB instead of 41 KB for a 500 KB view, in 1.5 ms instead of 3.3.
QUICK_ABOVE = 128 * 1024
QUICK_GZIP_LEVEL = 1
QUICK_BROTLI_QUALITY = 1


def chosen_encoding() -> str | None:
    """Return the encoding this request gets: ``br`` or ``gzip`` when accepted, else None."""
    if brotli is not None and request.accept_encodings["br"] > 0:
        return "br"
    if request.accept_encodings["gzip"] > 0:
        return "gzip"
    return None


def encode(data: bytes, encoding: str | None, quick: bool = False) -> bytes:
    """Return ``data`` compressed with ``encoding`` (None: unchanged); ``quick``: fastest level.

    >>> gzip.decompress(encode(b'{"a": 1}', "gzip"))
    b'{"a": 1}'
    """
    if encoding == "gzip":
        return gzip.compress(data, QUICK_GZIP_LEVEL if quick else GZIP_LEVEL, mtime=0)
    if encoding == "br":
        return brotli.compress(data, quality=QUICK_BROTLI_QUALITY if quick else BROTLI_QUALITY)
    return data


class EncodedBody:
    """A body and its compressed forms, each made once on first request and then kept.

    A body over ``QUICK_ABOVE`` bytes is compressed at the fastest level.
    """

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self._encoded: dict[str | None, bytes] = {None: raw}

    def get(self, encoding: str | None) -> bytes:
        """Return the body in ``encoding`` (compressing it the first time)."""
        found = self._encoded.get(encoding)
        if found is None:
            found = self._encoded[encoding] = encode(self.raw, encoding,
                                                          len(self.raw) > QUICK_ABOVE)
        return found


def encoded_response(body: EncodedBody, encoding: str | None, mimetype: str) -> Response:
    """Return ``body`` in ``encoding`` with its ``Content-Encoding`` and ``Vary`` headers."""
    response = Response(body.get(encoding), mimetype=mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    return response


class _StaticBodies:
    """Compressed static files by (path, modification time, size, encoding)."""

    def __init__(self) -> None:
        self._items: dict[tuple, bytes] = {}
        self._lock = threading.Lock()

    def get(self, path: Path, encoding: str) -> bytes:
        """Return the file at ``path`` compressed with ``encoding``."""
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size, encoding)
        with self._lock:
            found = self._items.get(key)
        if found is None:
            found = encode(path.read_bytes(), encoding)
            with self._lock:
                self._items[key] = found
        return found


def _long_lived(filename: str) -> bool:
    return filename.startswith("vendor/") or bool(request.args.get("v"))


def _compress_static(app: Flask, bodies: _StaticBodies, response: Response) -> Response:
    """Give a static file its cache lifetime and, when it is text, its compressed bytes."""
    filename = (request.view_args or {}).get("filename", "")
    if response.status_code not in (200, 304):
        return response
    if _long_lived(filename):
        response.cache_control.public = True
        response.cache_control.max_age = LONG_MAX_AGE
        response.cache_control.immutable = True
    encoding = chosen_encoding()
    response.vary.add("Accept-Encoding")
    if (response.status_code != 200 or encoding is None or response.mimetype not in COMPRESSIBLE
            or "Content-Encoding" in response.headers):
        return response
    path = safe_join(app.static_folder, filename)
    if path is None or not Path(path).is_file():
        return response
    data = bodies.get(Path(path), encoding)
    if hasattr(response.response, "close"):
        response.response.close()  # the file send_file opened; its bytes are replaced
    response.direct_passthrough = False
    response.set_data(data)
    response.headers["Content-Encoding"] = encoding
    etag, weak = response.get_etag()
    if etag:
        response.set_etag(f"{etag}:{encoding}", weak=weak)
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Compress ``app``'s answers and give its static files their cache lifetimes."""
    app.config.setdefault("COMPRESS_MIMETYPES", list(COMPRESSIBLE))
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"] if brotli else ["gzip"])
    app.config.setdefault("COMPRESS_LEVEL", GZIP_LEVEL)
    app.config.setdefault("COMPRESS_BR_LEVEL", BROTLI_QUALITY)
    app.config.setdefault("COMPRESS_STREAMS", False)  # exports stream; they stay as they are
    Compress(app)
    app.jinja_env.globals["asset_url"] = asset_url
    bodies = _StaticBodies()
    default_max_age = app.get_send_file_max_age

    def send_file_max_age(filename: str | None) -> int | None:
        if filename and _long_lived(filename):
            return LONG_MAX_AGE
        return default_max_age(filename)

    app.get_send_file_max_age = send_file_max_age

    @app.after_request
    def static_files(response: Response) -> Response:
        # Registered after Flask-Compress, so it runs first (after_request runs in reverse).
        if request.endpoint == "static":
            return _compress_static(app, bodies, response)
        return response
