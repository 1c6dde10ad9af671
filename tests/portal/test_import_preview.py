"""The dry run's preview: the first rows as read, their problems by column, nothing written."""

import io

from sqlalchemy import func, select

from portal.store.models import Feature, FeatureState
from portal.web.database import get_database

# An industry office's list: the second data row has a status the layer does not know and a
# longitude typed with a stray letter; the first keeps a two-line description.
INDUSTRY_CSV = (
    "ma,ten,kinh_do,vi_do,trang_thai,loai_du_an,mo_ta\n"
    "KCN-01,Cụm công nghiệp Hợp Thành,106.7615,21.8537,Đang thi công,Cụm công nghiệp,"
    "\"Giai đoạn 1\nSan nền 40%\"\n"
    "KCN-02,Cụm công nghiệp Na Dương,106.97x,21.70,Sắp làm,Cụm công nghiệp,\n"
    "KCN-03,Nhà máy nhiệt điện Na Dương II,106.9712,21.7048,Chuẩn bị đầu tư,"
    "Nhà máy nhiệt điện,\n"
)
GOOD_ROW_1 = {
    "row": 2, "layer": "industry", "id": "KCN-01", "name": "Cụm công nghiệp Hợp Thành",
    "status": "construction", "status_vi": "Đang thi công", "status_en": "Under construction",
    "lon": 106.7615, "lat": 21.8537, "ok": True, "personal_hidden": False, "values": {},
    "problems": [],
}
GOOD_ROW_3 = {
    "row": 4, "layer": "industry", "id": "KCN-03", "name": "Nhà máy nhiệt điện Na Dương II",
    "status": "planning", "status_vi": "Chuẩn bị đầu tư", "status_en": "Preparing investment",
    "lon": 106.9712, "lat": 21.7048, "ok": True, "personal_hidden": False, "values": {},
    "problems": [],
}


def _counts(app):
    with get_database(app).sessions() as session:
        return (
            session.scalar(select(func.count(Feature.id))),
            session.scalar(select(func.count(FeatureState.id))),
        )


def _post(client, token, url, text, dry_run="1"):
    return client.post(
        url, data={"file": (io.BytesIO(text.encode("utf-8")), "list.csv"), "dry_run": dry_run},
        headers={"X-CSRFToken": token},
    )


def test_the_preview_lists_each_row_with_its_problems_by_column_and_writes_nothing(
    app, client, login
):
    token = login("industry_editor")
    before = _counts(app)
    response = _post(client, token, "/api/layers/industry/imports?lang=en", INDUSTRY_CSV)
    body = response.get_json()
    assert response.status_code == 422
    assert body["preview"] == [GOOD_ROW_1, {
        "row": 3, "layer": "industry", "id": "KCN-02", "name": "Cụm công nghiệp Na Dương",
        "status": None, "status_vi": "Sắp làm", "status_en": "Sắp làm",
        "lon": None, "lat": None, "ok": False, "personal_hidden": False,
        "values": {"kinh_do": "106.97x", "trang_thai": "Sắp làm"},
        "problems": [
            {"column": "kinh_do", "role": "lon", "value": "106.97x", "code": "invalid",
             "message_en": "'106.97x' is not a number",
             "message_vi": "«106.97x» không phải là số"},
            {"column": "trang_thai", "role": "status", "value": "Sắp làm", "code": "invalid",
             "message_en": body["preview"][1]["problems"][1]["message_en"],
             "message_vi": body["preview"][1]["problems"][1]["message_vi"]},
        ],
    }, GOOD_ROW_3]
    assert body["preview"][1]["problems"][1]["message_en"].startswith(
        "Unknown status 'Sắp làm' in layer Industrial parks"
    )
    assert body["preview"][1]["problems"][1]["message_vi"].startswith("Trạng thái «Sắp làm»")
    assert _counts(app) == before


def test_a_clean_dry_run_shows_what_each_row_would_do_then_the_import_writes_it(
    app, client, login
):
    token = login("industry_editor")
    good = "\n".join(line for line in INDUSTRY_CSV.split("\n") if "KCN-02" not in line)
    before = _counts(app)
    body = _post(client, token, "/api/layers/industry/imports", good).get_json()
    assert body["ok"] is True and body["dry_run"] is True
    assert body["preview"] == [
        {**GOOD_ROW_1, "action": "added"}, {**GOOD_ROW_3, "row": 3, "action": "added"}
    ]
    assert _counts(app) == before
    written = _post(client, token, "/api/layers/industry/imports", good, dry_run="0")
    assert written.status_code == 200
    assert written.get_json()["preview"] == []
    assert _counts(app)[0] == before[0] + 2
    with get_database(app).sessions() as session:
        feature = session.scalar(select(Feature).where(Feature.record_id == "KCN-01"))
        assert feature.attributes["description"] == "Giai đoạn 1\nSan nền 40%"


def test_a_row_aimed_at_a_record_out_of_reach_shows_only_the_files_own_cells(
    app, client, login
):
    with get_database(app).sessions() as session:
        stored = session.scalar(select(Feature).where(Feature.record_id == "demo-industry-0001"))
        district = stored.district_code
    other = "180" if district != "180" else "183"
    token = login("industry_editor", (other,))
    text = (
        "ma,ten,kinh_do,vi_do,trang_thai,loai_du_an\n"
        "demo-industry-0001,Tên trong tệp,106.7615,21.8537,Đang thi công,Cụm công nghiệp\n"
    )
    body = _post(client, token, "/api/layers/industry/imports?lang=en", text).get_json()
    [row] = body["preview"]
    assert row["name"] == "Tên trong tệp" and (row["lon"], row["lat"]) == (106.7615, 21.8537)
    assert "action" not in row
    assert [p["code"] for p in row["problems"]] == ["not_allowed"]
    assert stored.name not in str(body)


MIXED_CSV = (
    "loai,ma,ten,kinh_do,vi_do,trang_thai,chu_ho,so_dien_thoai,doi_tuong,hinh_thuc_ho_tro\n"
    "housing,HS-01,Hoàng Văn Pả,106.7615,21.8537,Đăng ký,Hoàng Văn Pả,09x,Hộ nghèo,Xây mới\n"
    "signal,VL-01,Thôn Khuổi Cáp,106.7700,21.8600,Trong danh sách,,,,\n"
)


def test_household_cells_are_left_out_for_a_role_that_may_not_read_them(client, login):
    token = login("telecom_editor")
    body = _post(client, token, "/api/imports?lang=en", MIXED_CSV).get_json()
    household = body["preview"][0]
    assert household["layer"] == "housing" and household["id"] == "HS-01"
    assert household["personal_hidden"] is True
    assert (household["name"], household["lon"], household["lat"]) == (None, None, None)
    assert "Pả" not in str(body["preview"]) and "09x" not in str(body["preview"])
    assert body["preview"][1]["name"] == "Thôn Khuổi Cáp"


def test_household_cells_are_shown_to_the_housing_staff_of_the_province(client, login):
    token = login("housing_editor")
    body = _post(client, token, "/api/layers/housing/imports?lang=en",
                 MIXED_CSV.replace("loai,", "x,")).get_json()
    household = body["preview"][0]
    assert household["personal_hidden"] is False
    assert household["name"] == "Hoàng Văn Pả"


def test_the_edit_form_gets_each_fields_help_and_the_layers_status_and_progress_help(
    client, login
):
    login("housing_editor")
    config = client.get("/api/edit/config?lang=en").get_json()
    fields = {f["name"]: f for f in config["fields"]["housing"]}
    assert fields["household_size"]["help"] == (
        "People in the household as registered (personal data)."
    )
    assert fields["description"]["multiline"] is True
    assert fields["phone"]["multiline"] is False
    assert config["help"]["housing"] == {
        "status": "The household's support step: registered, approved, under construction, "
        "completed, handed over (counts towards the target).",
        "progress": "Share of the house built or repaired, in percent (0–100); the target "
        "counts finished houses.",
    }
    vi = client.get("/api/edit/config?lang=vi").get_json()
    assert vi["help"]["housing"]["progress"].startswith("Phần nhà đã xây hoặc sửa xong")
