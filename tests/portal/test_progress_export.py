"""The progress table a planner downloads is the table on the page: same rows, same order,
headers in the reader's language."""

import csv
import io
import re

import openpyxl

VI_HEADERS = ["Thứ tự", "Địa bàn", "Mã địa bàn", "Số lượng", "Đã hoàn thành", "Chỉ tiêu",
              "Tỷ lệ (%)", "Vượt chỉ tiêu", "Tiến độ dự kiến (%)", "Chậm tiến độ",
              "Số liệu đến ngày"]
EN_HEADERS = ["Rank", "Area", "Area code", "Records", "Done", "Target", "Percent",
              "Over target", "Expected (%)", "Lagging", "As of"]
QUERY = "layer=industry&level=commune&as_of=2025-09-30"


def _csv(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _page_codes(client, url):
    page = client.get(url).get_data(as_text=True)
    table = page.split('class="table table-sm table-hover', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr[^>]*data-code="([^"]+)"', table)


def test_the_export_has_headers_in_the_readers_language_and_the_pages_order(client):
    rows = _csv(client, f"/api/progress/export?{QUERY}&format=csv")
    english = _csv(client, f"/api/progress/export?{QUERY}&format=csv&lang=en")
    assert rows[0] == VI_HEADERS and english[0] == EN_HEADERS
    shown = _page_codes(client, f"/planning?{QUERY}")
    assert [r[2] for r in rows[1:]] == shown and len(shown) > 3
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(1, len(shown) + 1)]
    # Furthest behind first: percent minus expected never falls down the table.
    gaps = [float(r[6]) - float(r[8]) for r in rows[1:]]
    assert gaps == sorted(gaps)
    assert [r[1:3] for r in english[1:]] == [r[1:3] for r in rows[1:]]


def test_areas_without_a_target_are_left_out_as_on_the_page(client):
    everything = client.get(f"/api/progress?{QUERY}").get_json()
    without = {r["code"] for r in everything if r["percent"] is None}
    rows = _csv(client, f"/api/progress/export?{QUERY}&format=csv")
    assert without and not without & {r[2] for r in rows[1:]}
    assert len(rows) - 1 == len(everything) - len(without)


def test_the_lagging_filter_exports_the_lagging_rows_alone_in_rank_order(client):
    rows = _csv(client, f"/api/progress/export?{QUERY}&format=csv")
    lagging = _csv(client, f"/api/progress/export?{QUERY}&format=csv&lagging=1")
    assert lagging[1:] and [r[1:] for r in lagging[1:]] == [
        r[1:] for r in rows[1:] if r[9] == "TRUE"]
    assert [r[0] for r in lagging[1:]] == [str(n) for n in range(1, len(lagging))]


def test_the_telecom_table_exports_most_villages_left_first(client):
    rows = _csv(client, "/api/progress/export?layer=signal&level=commune&format=csv&order=left")
    left = [float(r[3]) - float(r[4]) for r in rows[1:]]
    assert left == sorted(left, reverse=True) and all(int(r[3]) > 0 for r in rows[1:])
    page = client.get("/telecom").get_data(as_text=True)
    table = page.split('telecom-table', 1)[1].split("</table>", 1)[0]
    assert [r[2] for r in rows[1:]] == re.findall(r'<tr data-code="([^"]+)"', table)


def test_the_xlsx_export_has_the_same_header_row(client):
    response = client.get(f"/api/progress/export?{QUERY}&format=xlsx&lang=en")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == EN_HEADERS


def test_an_unknown_order_is_refused_in_both_languages(client):
    vi = client.get("/api/progress/export?layer=signal&level=commune&order=code")
    en = client.get("/api/progress/export?layer=signal&level=commune&order=code&lang=en")
    assert vi.status_code == en.status_code == 400
    assert en.get_json()["error"] == "order must be rank or left."
    assert vi.get_json()["error"] == "order phải là rank hoặc left."
