"""Import templates (issue 9): a template filled in as an office would imports without edits."""

import csv
import io

import pytest
from openpyxl import load_workbook

from layers import CATALOGUE, get_layer
from layers.importing.columns import GENERIC_STATUS_LABELS, field_keys
from layers.parsing import column_key
from portal.services.templates import DATA_SHEET, EXAMPLE_ID, HELP_SHEET, LISTS_SHEET

EDITOR_OF = {layer.id: layer.editor_role for layer in CATALOGUE}
POINTS = [("106.7615", "21.8537"), ("106.7350", "21.8420")]
LINES = ["LINESTRING (106.7615 21.8537, 106.7700 21.8600)",
         "LINESTRING (106.7350 21.8420, 106.7400 21.8500)"]  # fmt: skip
EVERYDAY_STATUS = ["Đang triển khai", "Hoàn thành"]


def _get(client, url):
    return client.get(url)


def _workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return load_workbook(io.BytesIO(response.data))


def _headers(sheet):
    return [cell.value for cell in sheet[1]]


def _row(layer, headers, k, multi=False):
    """Return the k-th filled row of ``layer`` for a template with ``headers``."""
    values = {
        "Mã / ID": f"MAU-{layer.id}-{k}",
        "Tên / Name": f"{layer.name_vi} mẫu {k}",
        "Kinh độ / Longitude": POINTS[k][0],
        "Vĩ độ / Latitude": POINTS[k][1],
        "Hình học / WKT": LINES[k],
        "Trạng thái / Status": EVERYDAY_STATUS[k],
        "Ngày cập nhật / Date": "31/10/2025",
    }
    if multi:
        values["Lớp / Layer"] = layer.name_vi
    for spec in layer.fields:
        header = next((h for h in headers if column_key(h.rsplit("/", 1)[1]) in field_keys(spec)),
                      None)  # fmt: skip
        if spec.choices and spec.required:
            values[header] = spec.choices[k].label_vi
        elif spec.required:
            values[header] = f"{spec.label_vi} {k}"
    return [values.get(h) for h in headers]


def _filled_xlsx(content, rows_of):
    book = load_workbook(io.BytesIO(content))
    sheet = book[DATA_SHEET]
    headers = _headers(sheet)
    for index, row in enumerate(rows_of(headers), start=2):  # over the example row
        for col, value in enumerate(row, start=1):
            sheet.cell(index, col, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(client, token, url, content, name):
    return client.post(url, data={"file": (io.BytesIO(content), name), "dry_run": "0"},
                       headers={"X-CSRFToken": token})  # fmt: skip


def test_the_signal_workbook_has_its_sheets_headers_and_drop_downs(client, login):
    login("telecom_editor")
    book = _workbook(_get(client, "/api/layers/signal/template?format=xlsx"))
    assert book.sheetnames == [DATA_SHEET, HELP_SHEET, LISTS_SHEET]
    sheet = book[DATA_SHEET]
    assert _headers(sheet) == [
        "Tên / Name", "Kinh độ / Longitude", "Vĩ độ / Latitude", "Trạng thái / Status",
        "Thôn, bản / Village", "Mã / ID", "Tiến độ / Progress", "Ngày cập nhật / Date",
        "Xã / Commune", "Số hộ / Households", "Doanh nghiệp viễn thông / Operator",
        "Vướng mắc / Blocker", "Ngày phát sóng / Date on air", "Mô tả / Description",
    ]
    assert sheet.cell(2, 6).value == EXAMPLE_ID
    lists = book[LISTS_SHEET]
    checks = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    status_range = checks["D2:D5000"]
    assert status_range == "'Danh mục - Lists'!$D$2:$D$9"
    words = [lists.cell(r, 4).value for r in range(2, 10)]
    assert words == [s.label_vi for s in get_layer("signal").statuses]
    operators = [lists.cell(r, 11).value for r in range(2, 6)]
    assert operators == [c.label_vi for c in get_layer("signal").fields[3].choices]
    assert set(checks) == {"D2:D5000", "K2:K5000", "L2:L5000"}
    help_text = " ".join(str(c.value) for row in book[HELP_SHEET].iter_rows() for c in row)
    assert EXAMPLE_ID in help_text and "dd/mm/yyyy" in help_text and "WGS 84" in help_text
    signal = get_layer("signal")
    rows = {row[1]: row for row in book[HELP_SHEET].iter_rows(min_row=8, values_only=True)}
    assert rows["Progress"][8:10] == (signal.progress_help_vi, signal.progress_help_en)
    assert rows["Households"][8:11] == (
        signal.field("households").help_vi, signal.field("households").help_en,
        "households",
    )
    assert rows["Status"][7] == ", ".join(s.label_en for s in signal.statuses)


@pytest.mark.parametrize("layer_id", [layer.id for layer in CATALOGUE])
def test_a_filled_layer_template_imports_as_it_is(app, client, login, layer_id):
    token = login(EDITOR_OF[layer_id])
    layer = get_layer(layer_id)
    response = _get(client, f"/api/layers/{layer_id}/template?format=xlsx")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="mau_nhap_{layer_id}.xlsx"'
    )
    content = _filled_xlsx(response.data, lambda h: [_row(layer, h, k) for k in (0, 1)])
    result = _import(client, token, f"/api/layers/{layer_id}/imports", content, "mau.xlsx")
    body = result.get_json()
    assert result.status_code == 200, body
    assert body["summary"]["added"] == 2
    assert body["summary"]["by_layer"] == {layer_id: 2}


@pytest.mark.parametrize("layer_id", ["signal", "transport"])
def test_the_csv_template_has_a_bom_and_imports_when_filled(client, login, layer_id):
    token = login(EDITOR_OF[layer_id])
    response = _get(client, f"/api/layers/{layer_id}/template?format=csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 2 and EXAMPLE_ID in rows[1]
    out = io.StringIO()
    csv.writer(out).writerows([rows[0], *(_row(get_layer(layer_id), rows[0], k) for k in (0, 1))])
    result = _import(client, token, f"/api/layers/{layer_id}/imports",
                     out.getvalue().encode("utf-8-sig"), "mau.csv")  # fmt: skip
    assert result.status_code == 200, result.get_json()
    assert result.get_json()["summary"]["added"] == 2


def test_the_example_row_left_in_is_a_valid_record(client, login):
    token = login("industry_editor")
    response = _get(client, "/api/layers/industry/template?format=xlsx")
    result = _import(client, token, "/api/layers/industry/imports", response.data, "mau.xlsx")
    assert result.status_code == 200, result.get_json()
    assert result.get_json()["summary"]["added"] == 1


def test_a_planner_fills_the_all_layers_template_and_imports_it(client, login):
    token = login("planner")
    response = _get(client, "/api/template?format=xlsx")
    assert response.headers["Content-Disposition"] == 'attachment; filename="mau_nhap_tat_ca.xlsx"'
    book = _workbook(response)
    sheet = book[DATA_SHEET]
    assert _headers(sheet)[:5] == [
        "Lớp / Layer", "Tên / Name", "Kinh độ / Longitude", "Vĩ độ / Latitude",
        "Trạng thái / Status",
    ]
    checks = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    lists = book[LISTS_SHEET]
    assert checks["E2:E5000"] == "'Danh mục - Lists'!$E$2:$E$6"
    assert [lists.cell(r, 5).value for r in range(2, 7)] == [
        vi for vi, _en in GENERIC_STATUS_LABELS.values()
    ]
    points = [layer for layer in CATALOGUE if "Point" in layer.geometry_types]
    content = _filled_xlsx(
        response.data,
        lambda h: [_row(layer, h, k, multi=True) for layer in points for k in (0, 1)],
    )
    result = _import(client, token, "/api/imports", content, "mau.xlsx")
    body = result.get_json()
    assert result.status_code == 200, body
    assert body["summary"]["added"] == 2 * len(points)
    assert body["summary"]["by_layer"] == {layer.id: 2 for layer in points}
    assert not [note for note in body["notes"] if "repeats" in note], body["notes"]
    assert body["columns"]["Loại / Kind"] == "kind"


def test_the_all_layers_example_row_alone_imports_as_one_record(client, login):
    token = login("planner")
    response = _get(client, "/api/template?format=xlsx")
    result = _import(client, token, "/api/imports", response.data, "mau.xlsx")
    assert result.status_code == 200, result.get_json()
    assert result.get_json()["summary"]["by_layer"] == {"industry": 1}


def test_a_telecom_editors_all_layers_template_holds_only_signal(client, login):
    login("telecom_editor")
    book = _workbook(_get(client, "/api/template?format=xlsx"))
    assert book[LISTS_SHEET].cell(2, 1).value == get_layer("signal").name_vi
    assert book[LISTS_SHEET].cell(3, 1).value is None


def test_templates_need_a_signed_in_editor_of_the_layer(client, login):
    assert _get(client, "/api/layers/industry/template").status_code == 401
    assert _get(client, "/api/template").status_code == 401
    login("telecom_editor")
    assert _get(client, "/api/layers/industry/template?format=xlsx").status_code == 403
    assert _get(client, "/api/layers/signal/template?format=pdf").status_code == 400
    assert _get(client, "/api/layers/signal/template").status_code == 200


def test_the_import_page_offers_the_templates_and_columns_of_the_users_layers(client, login):
    login("telecom_editor")
    page = client.get("/import?lang=en").get_data(as_text=True)
    assert "/api/layers/signal/template?format=xlsx" in page
    assert "/api/layers/signal/template?format=csv" in page
    assert "/api/template?format=xlsx" in page
    assert "/api/layers/industry/template" not in page
    section = page[page.index('id="template-signal"'):]
    order = [section.index(h) for h in ("Tên / Name", "Trạng thái / Status", "Mã / ID",
                                        "Ngày phát sóng / Date on air")]  # fmt: skip
    assert order == sorted(order)
    assert "Trong danh sách lõm sóng" in section
    signal = get_layer("signal")
    assert signal.progress_help_en.replace("'", "&#39;") in section
    assert signal.field("households").help_en in section
    assert "Also accepted as" in section and "kinh_do, lon, lng, long, longitude" in section
    assert "Trong danh sách lõm sóng (Listed as a blackspot)" in section
