"""A started portal has met its first visitors: pages, clusters and figures are kept already.

``langson-portal run`` warms them (``warm_caches``) before it serves; with several workers it
does so in the gunicorn master before the fork, so that every worker starts with them.
"""

from __future__ import annotations

from sqlalchemy import event

from portal.cli.serve import WARM_PAGES, warm_caches
from portal.web.database import get_database, get_point_index

FIRST_VISIT = [*WARM_PAGES, "/api/layers", "/api/areas?level=commune",
               "/api/progress?layer=signal&level=commune",
               "/api/layers/signal/features?cluster=auto&zoom=9"]


def queries_per_address(app) -> dict[str, int]:
    client = app.test_client()
    counted: dict[str, int] = {}
    for address in FIRST_VISIT:
        seen: list[str] = []

        def note(_conn, _cursor, statement, *_args, seen=seen) -> None:
            seen.append(statement)

        engine = get_database(app).engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            assert client.get(address).status_code == 200, address
        finally:
            event.remove(engine, "before_cursor_execute", note)
        counted[address] = len(seen)
    return counted


def test_after_warming_each_first_visit_costs_one_query_the_data_version(app):
    warm_caches(app)
    assert {"signal", "industry", "border", "geopark", "transport"} <= set(
        get_point_index(app).layers)
    assert queries_per_address(app) == dict.fromkeys(FIRST_VISIT, 1)


def test_without_warming_the_first_visits_do_the_work(app):
    counted = queries_per_address(app)
    assert counted["/"] > 1
    assert counted["/api/layers/signal/features?cluster=auto&zoom=9"] > 1
