"""A backup restored (``--force``) underneath a portal that keeps serving the same store.

The restored store carries an older data version and an older change log. The portal still
serving must not take its cached answers of a version number it met before for the restored
data, and its area and point indexes must not wait for log entries past their watermark that
never come: after the restore it answers exactly as a portal started afresh on the store.
"""

from __future__ import annotations

import re

from portal import create_app
from portal.services.backup import create_backup, restore_backup
from portal.store.loader import data_version
from portal.web.database import get_database
from tests.portal.test_page_cache import sign_in, waiting_village

AS_OF = "2100-01-01"
ASKED = [
    f"/api/progress?layer=signal&level=commune&as_of={AS_OF}",
    f"/api/progress?layer=signal&level=district&as_of={AS_OF}",
    f"/api/layers/signal/features?cluster=auto&zoom=8&as_of={AS_OF}",
    f"/api/layers/signal/features?zoom=15&as_of={AS_OF}&bbox=106.2,21.3,107.4,22.5",
    f"/telecom?as_of={AS_OF}",
]


def answers(client) -> list[bytes]:
    """The answers to ``ASKED``, folium's random map element id made constant."""
    found = []
    for url in ASKED:
        response = client.get(url)
        assert response.status_code == 200, url
        found.append(re.sub(rb"map_[0-9a-f]{32}", b"map_ID", response.data))
    return found


def delete_as_telecom_editor(app, fid: int, version: int) -> None:
    client = app.test_client()
    token = sign_in(app, client, "telecom_editor")
    deleted = client.delete(f"/api/layers/signal/features/{fid}", headers={"X-CSRFToken": token},
                            json={"version": version, "reason": "Trùng bản ghi"})
    assert deleted.status_code == 200, deleted.get_json()


def test_a_portal_serving_the_store_answers_as_a_fresh_one_after_a_restore(app, db_url, tmp_path):
    visitor = app.test_client()
    at_backup = answers(visitor)  # indexes loaded, pages and answers cached
    engine = get_database(app).engine
    archive = tmp_path / "before-the-edit.zip"
    create_backup(engine, tmp_path, archive, "0.1.0")
    delete_as_telecom_editor(app, *waiting_village(app))
    after_edit = answers(visitor)
    assert after_edit[0] != at_backup[0]
    with get_database(app).sessions() as session:
        version_after_edit = data_version(session)

    restore_backup(engine, tmp_path / "instance", archive, force=True)

    with get_database(app).sessions() as session:
        assert data_version(session) > version_after_edit
    fresh = create_app({"database_url": db_url, "instance_path": tmp_path / "fresh",
                        "default_as_of": "2025-11-30", "auto_seed": False})
    try:
        expected = answers(fresh.test_client())
    finally:
        get_database(fresh).engine.dispose()
    assert expected[0] == at_backup[0]  # the restored store is the one backed up
    assert answers(visitor) == expected
    assert answers(app.test_client()) == expected
