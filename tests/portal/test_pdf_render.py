"""The PDF renderer: Vietnamese text survives, and nothing outside the static folder is read."""

from __future__ import annotations

import http.server
import threading

import pytest

from portal.services.reports.pdf import STATIC_ROOT, StaticOnlyFetcher, render_pdf
from tests.pdf_reading import pdf_page_png, pdf_pages_text


def test_a_vietnamese_page_comes_back_as_the_same_text_and_draws(tmp_path):
    html = (
        "<html lang='vi'><head><style>@page { size: A4; margin: 15mm }</style></head><body>"
        "<h1>Xã Đồng Đăng</h1><p>Hộ còn ở nhà tạm: 1.234 — cập nhật 30/11/2025</p></body></html>"
    )
    pdf = render_pdf(html, title="Thẻ báo cáo")
    assert pdf.startswith(b"%PDF-")
    text = pdf_pages_text(pdf)
    assert len(text) == 1
    assert "Xã Đồng Đăng" in text[0]
    assert "Hộ còn ở nhà tạm: 1.234" in text[0]
    png = pdf_page_png(pdf, 0, tmp_path / "page.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_images_from_the_network_or_elsewhere_on_disk_are_never_read(tmp_path):
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }", encoding="utf-8")
    try:
        html = (
            f"<html><head><link rel='stylesheet' href='http://127.0.0.1:{server.server_port}/a.css'>"
            f"<link rel='stylesheet' href='{secret.as_uri()}'></head><body>"
            f"<img src='http://127.0.0.1:{server.server_port}/b.png'>Báo cáo</body></html>"
        )
        pdf = render_pdf(html)
    finally:
        server.shutdown()
        server.server_close()
    assert requests == []
    assert "Báo cáo" in pdf_pages_text(pdf)[0]


def test_the_fetcher_reads_static_files_and_refuses_every_other_path(tmp_path):
    fetcher = StaticOnlyFetcher()
    css = next(STATIC_ROOT.glob("css/*.css"))
    assert fetcher.fetch(css.as_uri()).read() == css.read_bytes()
    secret = tmp_path / "secret.txt"
    secret.write_text("mật khẩu", encoding="utf-8")
    escaping = (STATIC_ROOT / ".." / ".." / "pyproject.toml").as_uri()
    for url in (secret.as_uri(), escaping, "ftp://127.0.0.1/x", "https://127.0.0.1/x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
