"""Schemathesis against ``/api/openapi.json``: no 5xx, every answer as the document says.

Bounded: a few examples per operation, a deadline per example. The anonymous run calls every
read (``GET``) of ``/api`` and ``/tiles``, with valid and invalid inputs; the editor run calls
the writes as a signed-in planner with the session's CSRF token, on the test's throw-away copy
of the store.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
BOUNDED = settings(max_examples=12, deadline=5000, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))


def _schema(app, mode: str):
    config = SchemathesisConfig.from_dict({"generation": {"mode": mode}})
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=config)


def _run_every_operation(schema, headers: dict[str, str] | None = None,
                         statuses: list[int] | None = None, path: dict | None = None,
                         **call: dict) -> list[str]:
    """Run each operation's bounded examples; return what failed, one line per operation."""
    failures, statuses = [], statuses if statuses is not None else []
    for found in schema.get_all_operations():
        operation = found.ok()

        @BOUNDED
        @given(case=operation.as_strategy())
        def run(case):
            for name, value in (path or {}).items():
                if name in (case.path_parameters or {}):
                    case.path_parameters[name] = value
            # The WSGI transport does not decompress: ask for plain bodies.
            response = case.call_and_validate(
                headers={"Accept-Encoding": "identity", **(headers or {})}, checks=CHECKS, **call)
            statuses.append(response.status_code)

        try:
            run()
        except (AssertionError, BaseExceptionGroup) as exc:  # every failing operation is reported
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    return failures


def test_every_read_answers_as_documented(app):
    schema = _schema(app, "all").include(method="GET")
    assert len(list(schema.get_all_operations())) >= 19
    failures = _run_every_operation(schema)
    assert not failures, "\n\n".join(failures)


def test_every_write_of_an_editor_answers_as_documented(app, client, login):
    # The session is bound to the browser that signed in (Flask-Login's strong protection):
    # the same agent and address (schemathesis' WSGI client sets none; Flask-Login reads
    # X-Forwarded-For first).
    client.environ_base["HTTP_USER_AGENT"] = "QGIS/3.40 (schemathesis)"
    csrf = login("planner", name="ke-hoach")
    headers = {"X-CSRFToken": csrf, "User-Agent": "QGIS/3.40 (schemathesis)",
               "X-Forwarded-For": "127.0.0.1"}
    cookies = {"session": client.get_cookie("session").value}
    # Writes aimed at one real record (of a layer a planner edits), not only at unknown ids.
    record = client.get("/api/layers/signal/features?limit=1").get_json()["features"][0]["id"]
    schema = _schema(app, "positive").exclude(method="GET")
    assert len(list(schema.get_all_operations())) == 10  # POST /api/coverage (it writes nothing)
    statuses: list[int] = []
    failures = _run_every_operation(schema, headers, statuses,
                                    {"layer_id": "signal", "fid": record, "pid": 1},
                                    cookies=cookies)
    assert not failures, "\n\n".join(failures)
    # Signed in with a valid CSRF token: the answers are the routes' own, not the guards'.
    assert {401, 403} & set(statuses) == set(), sorted(set(statuses))
    assert len([s for s in statuses if s in (404, 409, 422, 200, 201)]) > len(statuses) / 2
