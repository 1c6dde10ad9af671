"""An XLSX workbook is a zip: a workbook bomb is refused before it is parsed (issue 9)."""

import zipfile

import openpyxl
from sqlalchemy import func, select

from portal.store.models import AuditEvent, Feature
from portal.web.database import get_database


def _workbook_bomb(folder):
    """A valid minimal project sheet whose XML ends in ~50 MB of one repeated row (> 200:1)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ma", "loai", "ten", "kinh_do", "vi_do", "trang_thai"])
    sheet.append(["CN-BOM", "industry", "Cụm công nghiệp Bom", 106.9253, 21.6843, "Tạm dừng"])
    plain = folder / "mau.xlsx"
    book.save(plain)
    bomb = folder / "bao_cao_du_an.xlsx"
    run = b'<row><c t="inlineStr"><is><t>0</t></is></c></row>' * 1_000_000
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(
        bomb, "w", compression=zipfile.ZIP_DEFLATED
    ) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", run + b"</sheetData>")
            target.writestr(info.filename, data)
    sizes = {i.filename: (i.file_size, i.compress_size) for i in zipfile.ZipFile(bomb).infolist()}
    unpacked, packed = sizes["xl/worksheets/sheet1.xml"]
    assert unpacked > 100 * packed and unpacked > 40_000_000
    return bomb


def _counts(app):
    with get_database(app).sessions() as session:
        return (session.scalar(select(func.count()).select_from(Feature)),
                session.scalar(select(func.count()).select_from(AuditEvent)
                               .where(AuditEvent.action == "import")))  # fmt: skip


def test_an_xlsx_bomb_import_answers_422_in_both_languages_and_writes_nothing(
    app, client, login, tmp_path
):
    bomb = _workbook_bomb(tmp_path)
    token = login("planner")
    before = _counts(app)
    answers = {}
    for lang in ("vi", "en"):
        with bomb.open("rb") as handle:
            response = client.post(f"/api/imports?lang={lang}", headers={"X-CSRFToken": token},
                                   data={"file": (handle, bomb.name), "dry_run": "0"})  # fmt: skip
        assert response.status_code == 422, response.get_json()
        answers[lang] = response.get_json()["error"]
    assert answers["en"] == (
        "bao_cao_du_an.xlsx: xl/worksheets/sheet1.xml is compressed more than 200 times; "
        "such archives are refused (a zip bomb)."
    )
    assert answers["vi"].startswith("bao_cao_du_an.xlsx: xl/worksheets/sheet1.xml bị nén hơn 200")
    assert _counts(app) == before
    with get_database(app).sessions() as session:
        assert session.scalar(select(Feature).where(Feature.record_id == "CN-BOM")) is None
