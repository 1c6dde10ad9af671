"""A housing editor sees the households of their commune on the map, and no other, in Chromium.

The test runs its own portal (a copy of the prepared store with a housing editor of one
commune that has demo households), signs in and opens the housing layer over that commune.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from portal.services.accounts import create_user
from portal.store.db import open_database
from portal.store.models import Feature, FeatureState

pytestmark = pytest.mark.browser

EDITOR = "nhatam.xa"
PASSWORD = "Nhà kiên cố Bình Gia 2025"


def _prepare(url: str) -> dict:
    """Create a housing editor of the commune with the most live households."""
    db = open_database(url)
    with db.transaction() as session:
        live = (Feature.layer_id == "housing", FeatureState.valid_to.is_(None),
                Feature.deleted_at.is_(None))  # fmt: skip
        commune = session.execute(
            select(Feature.commune_code, func.count())
            .join(FeatureState, FeatureState.feature_id == Feature.id).where(*live)
            .group_by(Feature.commune_code).order_by(func.count().desc(), Feature.commune_code)
            .limit(1)
        ).one()[0]  # fmt: skip
        rows = session.execute(
            select(Feature.id, Feature.commune_code, Feature.x, Feature.y)
            .join(FeatureState, FeatureState.feature_id == Feature.id).where(*live)
        ).all()  # fmt: skip
        create_user(session, EDITOR, PASSWORD, "housing_editor", areas=(commune,))
    db.engine.dispose()
    own = [r for r in rows if r.commune_code == commune]
    return {"commune": commune, "own": sorted(r.id for r in own),
            "others": sorted(r.id for r in rows if r.commune_code != commune),
            "x": own[0].x, "y": own[0].y}  # fmt: skip


@pytest.fixture(scope="module")
def housing_server(serve_portal):
    """The portal on a private copy of the store, with a housing editor; yields (url, facts)."""
    facts: dict = {}
    with serve_portal("housing-live", prepare=lambda path: facts.update(_prepare(path))) as (
        base, db_url
    ):
        facts["db_url"] = str(db_url)
        yield base, facts


def test_a_housing_editor_sees_the_households_of_the_commune_on_the_map(
    sign_in, watched_tab, housing_server
):
    base, facts = housing_server
    with watched_tab(base, viewport={"width": 1280, "height": 860}) as page:
        sign_in(page, base, EDITOR, PASSWORD)
        page.goto(f"{base}/?layer=housing&show=housing&lat={facts['y']:.5f}"
                  f"&lon={facts['x']:.5f}&z=10")  # fmt: skip
        page.wait_for_function(
            "() => window.PortalMap && PortalMap.state && PortalMap.state.loaded", timeout=30000
        )
        markers = page.locator("path.feature-marker[data-layer='housing']")
        markers.first.wait_for(timeout=15000)
        drawn = sorted(int(i) for i in markers.evaluate_all(
            "nodes => nodes.map(n => n.getAttribute('data-id'))"))  # fmt: skip
        assert drawn and set(drawn) <= set(facts["own"])
        assert not set(drawn) & set(facts["others"])
        markers.last.click()  # the topmost where markers overlap
        page.locator(".leaflet-popup-content").wait_for()
    db = open_database(facts["db_url"])
    with db.engine.connect() as connection:
        actors = set(connection.scalars(text(
            "SELECT actor FROM audit_events WHERE action = 'read_personal'")))  # fmt: skip
    db.engine.dispose()
    assert actors == {EDITOR}
