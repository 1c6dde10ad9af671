"""Whole public pages kept per data version, for visitors who are not signed in.

What a visitor who is not signed in gets from a public page depends on its address (path and
query), the language, the default date and the store's data, and on nothing else: no user, no
CSRF token, no flashed message. Such a page is rendered once per data version and kept, with
its compressed forms, in a per-process cache of pages (``cache.get_page_cache``; never in the
main cache or Redis, which addresses with made-up query strings would flood); every visitor
after the first gets the kept bytes.

A kept page cannot carry a per-response script nonce, so its inline scripts are allowed by
hash instead: when the page is kept, each inline script that carried the render's nonce is
hashed and the nonce attributes are dropped. A script that did not carry the nonce (say, one an
escaping bug let a record's text open) gets no hash and stays blocked, as under the nonce.

Signed-in users, pages that made a CSRF token or touched the session, pages that never used the
nonce (they still rely on ``'unsafe-inline'``) and answers other than 200 are never kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Response, g, make_response, request, session
from flask_login import current_user

from portal.web.basemaps import basemaps_version
from portal.web.cache import get_page_cache, store_version
from portal.web.compression import EncodedBody, chosen_encoding, encoded_response
from portal.web.i18n import current_locale
from portal.web.params import default_as_of
from portal.web.security import script_hash

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)


@dataclass(frozen=True)
class KeptPage:
    """A rendered page without nonces: its bytes, the hashes of its inline scripts, its tag."""

    body: EncodedBody
    script_hashes: tuple[str, ...]
    etag: str


class _NotKept(Exception):
    """The page just rendered may not be kept; it is served as it is."""

    def __init__(self, response: Response) -> None:
        super().__init__("page not kept")
        self.response = response


def without_nonce(html: str, nonce: str) -> tuple[str, set[str]] | None:
    """Return ``html`` without its nonce attributes and the hashes of the scripts that had one.

    None when the nonce also stands somewhere else than in a ``nonce`` attribute.

    >>> page = '<script nonce="N">a()</script><script>b()</script><script nonce="N" src="/x.js">'
    >>> html, hashes = without_nonce(page + "</script>", "N")
    >>> html
    '<script>a()</script><script>b()</script><script src="/x.js"></script>'
    >>> hashes == {script_hash("a()")}
    True
    """
    attribute = f' nonce="{nonce}"'
    hashes = {
        script_hash(body)
        for attributes, body in _SCRIPT.findall(html)
        if attribute in f" {attributes}" and " src=" not in f" {attributes}"
    }
    stripped = html.replace(attribute, "")
    if nonce in stripped:
        return None
    return stripped, hashes


def _keepable_request() -> bool:
    return (
        request.method == "GET"
        and not current_user.is_authenticated
        and "_flashes" not in session
    )


def _keep(response: Response) -> KeptPage:
    """Return ``response`` as a page to keep; raise :class:`_NotKept` when it may not be."""
    nonce = g.get("csp_nonce")
    if (response.status_code != 200 or response.mimetype != "text/html" or nonce is None
            or "csrf_token" in g or session.modified or response.headers.get("Set-Cookie")):
        raise _NotKept(response)
    found = without_nonce(response.get_data(as_text=True), nonce)
    if found is None:
        raise _NotKept(response)
    html, hashes = found
    raw = html.encode("utf-8")
    return KeptPage(
        body=EncodedBody(raw),
        script_hashes=tuple(sorted(hashes | set(g.get("csp_hashes", ())))),
        etag=hashlib.sha256(raw).hexdigest()[:32],
    )


def _served(page: KeptPage) -> Response:
    """Return the kept page in the encoding this request accepts, answering 304 when current."""
    g.pop("csp_nonce", None)  # the policy names the hashes, not the nonce of a render
    g.csp_hashes = set(page.script_hashes)
    g.csp_strict = True
    encoding = chosen_encoding()
    response = encoded_response(page.body, encoding, "text/html")
    response.vary.add("Cookie")
    response.set_etag(f"{page.etag}-{encoding or 'identity'}")
    return response.make_conditional(request)


def public_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Keep the page ``view`` renders for visitors who are not signed in, per data version."""

    @wraps(view)
    def kept_or_rendered(*args: Any, **kwargs: Any) -> Any:
        if not _keepable_request():
            return view(*args, **kwargs)
        key = ("page", request.endpoint, request.path,
               tuple(sorted(request.args.items(multi=True))), current_locale(),
               default_as_of(), store_version(), basemaps_version())
        try:
            page = get_page_cache().get_or_compute(key, lambda: _keep(make_response(
                view(*args, **kwargs))))
        except _NotKept as not_kept:
            return not_kept.response
        return _served(page)

    return kept_or_rendered
