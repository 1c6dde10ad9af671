import csv
import http.server
import io
import json
import subprocess
import threading
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

import pyproj

from portal.store.models import Area, Feature, FeatureState
from portal.web.database import get_database

DATA = Path(__file__).resolve().parents[1] / "data"


def _counts(app):
    with get_database(app).sessions() as session:
        return (
            session.scalar(select(func.count(Feature.id))),
            session.scalar(select(func.count(FeatureState.id))),
        )


def test_a_dry_run_reports_additions_and_writes_nothing(app, runner):
    before = _counts(app)
    result = runner.invoke(args=["import", "signal", str(DATA / "good_signal_villages.csv"),
                                 "--dry-run", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "would be added" in result.output
    assert _counts(app) == before


def test_a_file_with_a_bad_row_is_refused_whole_naming_row_and_column(app, runner):
    before = _counts(app)
    result = runner.invoke(args=["import", "signal", str(DATA / "swapped_latlon.csv")])
    assert result.exit_code == 1
    assert "Dòng 3" in result.output and "bị đảo" in result.output
    assert _counts(app) == before


def test_importing_the_same_file_twice_changes_nothing_the_second_time(app, runner):
    path = str(DATA / "good_signal_villages.csv")
    first = runner.invoke(args=["import", "signal", path, "--lang", "en"])
    assert first.exit_code == 0 and "5 added" in first.output
    after_first = _counts(app)
    second = runner.invoke(args=["import", "signal", path, "--lang", "en"])
    assert second.exit_code == 0 and "0 added, 0 changed, 5 unchanged" in second.output
    assert _counts(app) == after_first


def test_a_changed_status_becomes_a_new_dated_state_and_the_past_is_kept(app, runner, tmp_path):
    source = (DATA / "good_signal_villages.csv").read_text(encoding="utf-8-sig")
    original = str(DATA / "good_signal_villages.csv")
    assert runner.invoke(args=["import", "signal", original]).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(source)))
    first = rows[0]
    first["Trạng thái"] = "Đã phát sóng"
    first["Ngày cập nhật"] = "20/10/2025"
    first["Ngày phát sóng"] = "20/10/2025"
    updated = tmp_path / "update.csv"
    with updated.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = runner.invoke(args=["import", "signal", str(updated), "--lang", "en"])
    assert result.exit_code == 0 and "1 changed" in result.output, result.output
    with get_database(app).sessions() as session:
        feature = session.scalar(select(Feature).where(Feature.record_id == first["Mã"]))
        states = sorted(feature.states, key=lambda s: s.valid_from)
    assert [s.status for s in states] == ["listed", "on_air"]
    assert states[0].valid_to == states[1].valid_from
    assert states[1].valid_to is None


def test_the_import_api_needs_a_signed_in_editor(client, anonymous_csrf_token):
    # Without the CSRF header the request is refused before the sign-in is looked at.
    with (DATA / "good_signal_villages.csv").open("rb") as handle:
        response = client.post("/api/layers/signal/imports", data={"file": (handle, "v.csv")})
    assert response.status_code == 400
    assert response.get_json()["ok"] is False
    # With the anonymous session's valid token, the missing sign-in refuses it.
    with (DATA / "good_signal_villages.csv").open("rb") as handle:
        response = client.post("/api/layers/signal/imports", data={"file": (handle, "v.csv")},
                               headers={"X-CSRFToken": anonymous_csrf_token})
    assert response.status_code == 401
    assert response.get_json()["ok"] is False


def test_a_telecom_editor_imports_through_the_api_with_the_csrf_header(app, client, login):
    token = login("telecom_editor")
    before = _counts(app)
    with (DATA / "good_signal_villages.csv").open("rb") as handle:
        response = client.post(
            "/api/layers/signal/imports",
            data={"file": (handle, "villages.csv"), "dry_run": "0"},
            headers={"X-CSRFToken": token},
        )
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["summary"]["added"] == 5
    assert _counts(app)[0] == before[0] + 5


def test_an_editor_may_not_import_into_another_sectors_layer(client, login):
    token = login("telecom_editor")
    with (DATA / "good_signal_villages.csv").open("rb") as handle:
        response = client.post(
            "/api/layers/housing/imports", data={"file": (handle, "v.csv")},
            headers={"X-CSRFToken": token},
        )
    assert response.status_code == 403


def test_an_area_scoped_editor_cannot_write_rows_outside_the_area(app, client, login):
    token = login("telecom_editor", areas=("06400",))
    before = _counts(app)
    with (DATA / "good_signal_villages.csv").open("rb") as handle:
        response = client.post(
            "/api/layers/signal/imports", data={"file": (handle, "v.csv")},
            headers={"X-CSRFToken": token, "Accept": "application/json"},
        )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors and all("quyền" in e["message"] for e in errors)
    assert _counts(app) == before


def test_the_api_lists_every_row_problem_in_the_error_shape(client, login):
    token = login("telecom_editor")
    with (DATA / "swapped_latlon.csv").open("rb") as handle:
        response = client.post(
            "/api/layers/signal/imports?lang=en", data={"file": (handle, "bad.csv")},
            headers={"X-CSRFToken": token},
        )
    body = response.get_json()
    assert response.status_code == 422
    assert body["ok"] is False and body["status"] == 422
    assert body["errors"][0]["row"] == 3
    assert "swapped" in body["errors"][0]["message"]


def test_the_import_page_asks_anonymous_users_to_sign_in(client):
    response = client.get("/import")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("fmt", ["geojson", "csv", "xlsx", "gpkg", "shapefile", "kml"])
def test_every_export_format_opens_in_gdal_with_the_public_records(client, tmp_path, fmt):
    response = client.get(f"/api/layers/signal/export?format={fmt}&as_of=2025-11-30")
    assert response.status_code == 200
    name = response.headers["Content-Disposition"].split('filename="')[1].rstrip('"')
    path = tmp_path / name
    path.write_bytes(response.data)
    target = f"/vsizip/{path}" if fmt == "shapefile" else str(path)
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(path).active
        assert sheet.max_row > 100
        return
    info = subprocess.run(["ogrinfo", "-ro", "-al", "-so", target], capture_output=True,
                          text=True, check=True).stdout
    count = int(info.split("Feature Count: ")[1].split()[0])
    assert count >= 100
    assert "beneficiary" not in info


def test_housing_records_cannot_be_exported_by_the_public(client):
    response = client.get("/api/layers/housing/export?format=csv")
    assert response.status_code == 403


def test_the_progress_table_exports_as_csv_with_a_bom_and_as_xlsx(client):
    csv_response = client.get("/api/progress/export?layer=signal&level=district&format=csv")
    assert csv_response.data.startswith("\ufeff".encode())
    assert "Huyện Hữu Lũng" in csv_response.data.decode("utf-8-sig")
    xlsx = client.get("/api/progress/export?layer=signal&level=district&format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    # The rows of the planning page: the 10 districts with a target (the city has none).
    page = client.get("/planning?layer=signal&level=district").get_data(as_text=True)
    assert book.active.max_row == 1 + page.count('class="planning-row') == 11


@pytest.mark.parametrize(
    ("layer", "name", "exit_code", "expected"),
    [
        ("signal", "swapped_latlon.csv", 1, "Row 3, column Kinh độ"),
        ("industry", "progress_out_of_range.xlsx", 1, "Row 3, column Tiến độ (%), value '120'"),
        ("signal", "metres_in_degree_columns.csv", 1, "Row 3, column kinh_do"),
        ("signal", "point_in_wrong_commune.csv", 1, "lies in Xã Lộc Bình"),
        ("geopark", "outside_province.geojson", 1, "km outside Lạng Sơn"),
        ("geopark", "unclosed_ring.geojson", 1, "Row 2, column geometry"),
        ("signal", "names_undecidable.csv", 1, "Row 2, column ten"),
        ("signal", "shapefile_without_prj.zip", 2, "--crs"),
        ("geopark", "broken.geojson", 2, "could not be read as GeoJSON"),
    ],
)
def test_each_broken_file_is_refused_naming_the_problem_and_the_store_is_unchanged(
    app, runner, layer, name, exit_code, expected
):
    before = _counts(app)
    result = runner.invoke(args=["import", layer, str(DATA / name), "--lang", "en"])
    assert result.exit_code == exit_code, result.output
    assert expected in result.output
    assert _counts(app) == before


def _stored_state(app, layer_id, record_id):
    with get_database(app).sessions() as session:
        feature = session.scalar(
            select(Feature).where(Feature.layer_id == layer_id, Feature.record_id == record_id)
        )
        states = session.scalars(
            select(FeatureState.status).where(FeatureState.feature_id == feature.id)
        ).all()
        return feature.name, feature.district_code, feature.geom, dict(feature.attributes), states


def _district_point(app, district_code):
    with get_database(app).sessions() as session:
        area = session.scalar(
            select(Area).where(Area.level == "district", Area.code == district_code)
        )
        return area.label_lon, area.label_lat


def _row_moved_to(client, layer_id, record_id, point, name):
    """The record as the public export gives it, renamed and moved to ``point`` (WKT)."""
    text = client.get(f"/api/layers/{layer_id}/export?format=csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    row = next(r for r in rows if r["record_id"] == record_id)
    for placed_by_the_store in ("commune_code", "commune_name", "district_code", "district_name"):
        del row[placed_by_the_store]
    row.update(name=name, wkt=f"POINT ({point[0]} {point[1]})")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("dry_run", ["1", "0"])
def test_an_import_cannot_take_over_a_record_stored_in_another_area(app, client, login, dry_run):
    # The row is placed inside the editor's district, but the record it names is stored in
    # another district: neither a write nor a dry run may touch or describe it.
    record_id = "demo-industry-0001"
    before = _stored_state(app, "industry", record_id)
    own_district = "180" if before[1] != "180" else "183"
    content = _row_moved_to(client, "industry", record_id, _district_point(app, own_district),
                            "Tên bị đổi")
    token = login("industry_editor", (own_district,))
    response = client.post(
        "/api/layers/industry/imports?lang=en",
        data={"file": (io.BytesIO(content), "takeover.csv"), "dry_run": dry_run},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{
        "row": 2, "field": None, "value": record_id,
        "message": "You may not change records of layer industry in this area.",
    }]
    assert _stored_state(app, "industry", record_id) == before


def test_an_import_may_update_a_record_of_the_editors_own_area(app, client, login):
    record_id = "demo-industry-0001"
    _name, district, *_rest = _stored_state(app, "industry", record_id)
    content = _row_moved_to(client, "industry", record_id, _district_point(app, district),
                            "Khu công nghiệp VSIP Lạng Sơn (giai đoạn 1, mở rộng)")
    token = login("industry_editor", (district,))
    response = client.post(
        "/api/layers/industry/imports?lang=en",
        data={"file": (io.BytesIO(content), "own.csv"), "dry_run": "0"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["summary"]["changed"] == 1
    assert _stored_state(app, "industry", record_id)[0] == (
        "Khu công nghiệp VSIP Lạng Sơn (giai đoạn 1, mở rộng)"
    )


@pytest.fixture
def counting_server():
    """An HTTP server on 127.0.0.1 that counts the requests it gets (stops with the test)."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(pyproj.CRS.from_epsg(4326).to_wkt("WKT1_GDAL").encode())

        def log_message(self, *_args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/crs.wkt", hits
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("dry_run", ["1", "0"])
def test_a_geojson_whose_crs_links_to_an_address_is_refused_without_any_request(
    app, client, login, counting_server, dry_run
):
    address, hits = counting_server
    geojson = {
        "type": "FeatureCollection",
        "crs": {"type": "link", "properties": {"href": address, "type": "ogcwkt"}},
        "features": [{
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [106.76, 21.85]},
            "properties": {"id": "LS-901", "name": "Thôn Khuổi Ma", "status": "Trong danh sách"},
        }],
    }  # fmt: skip
    token = login("telecom_editor")
    before = _counts(app)
    response = client.post(
        "/api/layers/signal/imports?lang=en",
        data={"file": (io.BytesIO(json.dumps(geojson).encode()), "linked_crs.geojson"),
              "dry_run": dry_run},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["errors"][0]["field"] == "crs"
    assert body["error"].startswith("linked_crs.geojson: its \"crs\" links to an address")
    assert hits == []
    assert _counts(app) == before


@pytest.mark.parametrize("fmt", ["geojson", "kml", "gpkg", "shapefile", "csv"])
@pytest.mark.parametrize("code", ["9" * 300, "06400/../../x", "99999"])
def test_an_export_of_an_unknown_area_code_answers_400_naming_the_code(client, fmt, code):
    response = client.get(
        f"/api/layers/signal/export?format={fmt}&level=commune&code={code}&lang=en"
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["errors"] == [{
        "row": None, "field": "code",
        "message": "code must be the code of a stored area of level commune.",
    }]  # fmt: skip


def test_an_export_of_one_commune_holds_only_that_communes_records(client):
    every = json.loads(client.get("/api/layers/signal/export?format=geojson").data)["features"]
    code = every[0]["properties"]["commune_code"]
    response = client.get(f"/api/layers/signal/export?format=geojson&level=commune&code={code}")
    assert response.status_code == 200
    features = json.loads(response.data)["features"]
    assert {f["properties"]["commune_code"] for f in features} == {code}
    assert len(features) == sum(1 for f in every if f["properties"]["commune_code"] == code)


def test_a_new_record_needs_a_status_while_an_update_may_leave_it_out(app, client, login):
    header = "Mã,Tên,Xã,Kinh độ,Vĩ độ,Trạng thái,Số hộ\n"
    token = login("telecom_editor")

    def post(text, name):
        return client.post(
            "/api/layers/signal/imports?lang=en",
            data={"file": (io.BytesIO(text.encode("utf-8")), name), "dry_run": "0"},
            headers={"X-CSRFToken": token},
        )

    before = _counts(app)
    refused = post(header + "LS-901,Bản Nà Nưa,Xã Bắc Sơn,106.3119,21.9147,,40\n", "new.csv")
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [{
        "row": 2, "field": "status", "value": None,
        "message": "A new record needs a status (e.g. in progress) or a progress percent.",
    }]  # fmt: skip
    assert _counts(app) == before
    added = post(header + "LS-901,Bản Nà Nưa,Xã Bắc Sơn,106.3119,21.9147,Đang triển khai,40\n",
                 "new.csv")
    assert added.status_code == 200 and added.get_json()["summary"]["added"] == 1
    update = post(header + "LS-901,Bản Nà Nưa,Xã Bắc Sơn,106.3119,21.9147,,44\n", "next.csv")
    assert update.status_code == 200, update.get_json()
    assert update.get_json()["summary"]["changed"] == 1
