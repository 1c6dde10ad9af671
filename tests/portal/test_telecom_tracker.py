"""The dead-zone tracker at any size: the longest-waiting villages listed, every one counted.

A province-wide list of tens of thousands of villages cannot be one HTML table: the page lists
the ``VILLAGES_SHOWN`` longest waiting (per commune when one is chosen), says how many there are
in all, and links the complete list as a spreadsheet.
"""

from __future__ import annotations

import io
import re

import openpyxl
from sqlalchemy import select

from portal.store.models import Feature, FeatureState
from portal.views import maps
from portal.web.database import get_database


def waiting(app, commune: str | None = None) -> list[tuple[int, str]]:
    """(id, date of the last step) of the live signal records not done, oldest step first."""
    with get_database(app).sessions() as session:
        query = (
            select(Feature.id, FeatureState.valid_from)
            .join(FeatureState, FeatureState.feature_id == Feature.id)
            .where(Feature.layer_id == "signal", FeatureState.valid_to.is_(None),
                   FeatureState.status.not_in(("on_air", "verified")))
            .order_by(FeatureState.valid_from, Feature.id)
        )
        if commune:
            query = query.where(Feature.commune_code == commune)
        return [(r.id, r.valid_from.isoformat()) for r in session.execute(query)]


def table_rows(page: str) -> list[str]:
    body = page.split('id="villages-table"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<tr data-code="(\d*)" data-status="(\w+)"', body)


def test_the_list_is_capped_and_counts_every_village_still_waiting(client, monkeypatch):
    monkeypatch.setattr(maps, "VILLAGES_SHOWN", 5)
    everyone = waiting(client.application)
    assert len(everyone) > 5
    page = client.get("/telecom?as_of=2100-01-01").get_data(as_text=True)
    assert len(table_rows(page)) == 5
    assert f'data-figure="villages">{len(everyone)}<' in page
    assert f"5 thôn, bản chờ lâu nhất trong tổng số {len(everyone)}" in page
    link = re.search(r'<p class="small mb-1" id="villages-capped">.*?href="([^"]+)"', page,
                     re.S).group(1).replace("&amp;", "&")
    answer = client.get(link)
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(answer.data), read_only=True).worksheets[0]
    assert sheet.max_row - 1 == len(everyone)


def test_a_chosen_commune_lists_only_its_villages(client, monkeypatch):
    app = client.application
    monkeypatch.setattr(maps, "VILLAGES_SHOWN", 300)
    everyone = waiting(app)
    with get_database(app).sessions() as session:
        commune = session.scalar(select(Feature.commune_code).where(Feature.id == everyone[0][0]))
    own = waiting(app, commune)
    page = client.get(f"/telecom?as_of=2100-01-01&commune={commune}").get_data(as_text=True)
    rows = table_rows(page)
    assert len(rows) == len(own) and {code for code, _ in rows} == {commune}
    assert f'data-figure="villages">{len(own)}<' in page
    assert f'<option value="{commune}" selected>' in page
    assert 'id="villages-capped"' not in page  # all of them are listed
