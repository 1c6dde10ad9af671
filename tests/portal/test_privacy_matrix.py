"""Who gets what from every GET route, and canaries that must never reach the wrong reader.

The routes come from ``app.url_map`` (``/static`` aside), so a new route fails here until it is
given a policy in `policy`. Canary strings are written into every restricted field (and the name,
record id and photo caption) of two household records in communes of different districts: A
and B. Every response any identity receives is searched for the canaries it may not see,
unzipping XLSX, zipped Shapefile and other archives first.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

import shapely

from geodata.admin_units import PROVINCE_CODE
from layers import CATALOGUE
from portal import create_app
from portal.services.access import layers_edited_by
from portal.services.accounts import create_user
from portal.store import loader
from portal.store.db import open_database
from portal.store.models import Area, Feature
from portal.web.database import get_database
from tests.pdf_reading import pdf_pages_text

PASSWORD = "correct horse battery staple"
HOUSING_READERS = {"admin", "planner", "viewer", "housing_editor"}
EDITORS = {
    "planner", "industry_editor", "border_editor", "tourism_editor", "telecom_editor",
    "housing_editor",
}
EXPORT_FORMATS = ("csv", "xlsx", "geojson", "gpkg", "shapefile", "kml")
LEVELS = ("province", "district", "commune")
PUBLIC_RULES = {
    "/", "/planning", "/area/<level>/<code>", "/geopark", "/telecom", "/about", "/changes",
    "/api/layers", "/api/layers/<layer_id>", "/api/areas", "/api/progress", "/api/search",
    "/api/progress/export", "/api/changes", "/api/openapi.json", "/api/docs", "/api/rasters",
    "/targets", "/targets/<code>", "/api/targets", "/api/targets/<code>",
    "/targets/template/<kind>.xlsx",
    # A printed area card: counts only for visitors, household names for their readers (the
    # canaries below read the PDF's text).
    "/reports/area/<level>/<code>.pdf",
    # Projects in hazard zones: the project layers are public; visitors meet public rasters.
    "/api/coverage/hazard-records",
}
#: The plan's targets pages that only planners (and admins) open.
TARGET_EDITOR_RULES = {"/targets/new", "/targets/<code>/edit", "/targets/import"}
#: Pages only some roles open: the rule and its roles (the plan's targets forms; the monthly
#: briefing, which the leaders' read-only accounts print too).
GUARDED_PAGES = {**dict.fromkeys(TARGET_EDITOR_RULES, ("admin", "planner")),
                 "/reports/briefing.pdf": ("admin", "planner", "viewer")}  # fmt: skip
QUERIES = {
    "/api/progress": "?layer=housing&level=commune",
    "/api/progress/export": "?layer=housing&level=commune&format=csv",
    "/api/search": "?q=lang",
    "/api/layers/<layer_id>/export": "?format=csv",
    "/api/changes": "?since=2025-01-01&until=2025-11-30",
    "/changes": "?layer=housing&since=2025-01-01&until=2025-11-30",
    "/planning": "?layer=housing",
    "/api/coverage/record-values": "?layer=housing&kind=elevation",
}


@dataclass(frozen=True)
class Who:
    """An identity: anonymous (role None) or a role, for the whole province or one scope.

    ``scope`` "A" is the commune of household A, "D" its (pre-2025) district; household B is
    in another commune of another district, so neither scope covers it.
    """

    role: str | None
    scope: str = ""

    @property
    def name(self) -> str:
        if self.role is None:
            return "anonymous"
        return f"{self.role}@{self.scope}" if self.scope else self.role

    def reads(self, record: str) -> bool:
        """Whether this identity may see a record's restricted fields ('public', 'A', 'B')."""
        if record == "public":
            return True
        if self.role not in HOUSING_READERS:
            return False
        return self.role == "admin" or not self.scope or record == "A"


WHO = (
    Who(None), Who("admin"), Who("planner"), Who("industry_editor"), Who("border_editor"),
    Who("tourism_editor"), Who("telecom_editor"), Who("housing_editor"),
    Who("housing_editor", "A"), Who("housing_editor", "D"), Who("viewer"), Who("viewer", "A"),
)


@dataclass(frozen=True)
class Target:
    """A concrete URL of a rule, with what its answer depends on."""

    url: str
    layer: str | None = None
    record: str | None = None  # "public", "A" or "B" for routes about one record or photo


@dataclass
class World:
    """One prepared portal shared by this module's tests (they only read)."""

    app: object
    codes: dict[str, str]
    kinds: dict[str, dict[str, list[str]]]
    fids: dict[str, int]
    pids: dict[str, int] = field(default_factory=dict)
    rasters: dict[str, int] = field(default_factory=dict)  # "public", "private" -> raster id
    clients: dict[str, object] = field(default_factory=dict)
    user_id: int = 0

    def client(self, who: Who):
        return self.clients[who.name]

    @property
    def canaries(self) -> dict[str, list[str]]:
        """Every canary of each household ("A", "B")."""
        return {k: [c for found in kinds.values() for c in found]
                for k, kinds in self.kinds.items()}

    def forbidden(self, who: Who) -> list[str]:
        """Canaries ``who`` must never receive."""
        return [c for record, found in self.canaries.items() if not who.reads(record)
                for c in found]


# --- building the world ----------------------------------------------------------------------


def canary_values(tag: str) -> tuple[dict[str, object], dict[str, object]]:
    """Static and dated attributes of a household, every restricted value a canary."""
    static, state = {}, {}
    number = 918273000 + 100 * ord(tag)  # nine digits: no coordinate or count holds them
    for layer in CATALOGUE:
        for spec in layer.restricted_fields:
            number += 2
            if spec.type in ("int", "float"):
                static[spec.name], state[spec.name] = number, number + 1
            else:
                static[spec.name] = f"qzcanary{tag}{spec.name}static"
                state[spec.name] = f"qzcanary{tag}{spec.name}dated"
    return static, state


def household(tag: str, area: Area) -> tuple[loader.RecordRow, dict[str, list[str]]]:
    static, dated = canary_values(tag)
    public = {"category": "poor", "work": "repair", "funds_million_vnd": 30.0,
              "commune_name": area.name}
    name, record_id = f"qzcanary{tag}name", f"QZCANARY{tag}RID"
    row = loader.RecordRow(
        layer_id="housing", record_id=record_id, name=name,
        attributes={**public, **static},
        geometry=shapely.Point(area.label_lon, area.label_lat),
        history=[
            loader.StateRow(date=dt.date(2025, 2, 3), status="registered",
                            attributes={**public, **static}),
            loader.StateRow(date=dt.date(2025, 4, 5), status="approved",
                            attributes={**public, **dated}),
        ],
    )
    found = {"static": [str(v) for v in static.values()],
             "current": [str(v) for v in dated.values()] + [name, record_id]}
    return row, found


def seed_canaries(url: str) -> dict[str, dict[str, list[str]]]:
    db = open_database(url)
    with db.transaction() as session:
        communes = list(session.scalars(select(Area).where(Area.level == "commune")
                                        .order_by(Area.code)))
        first = communes[0]
        rows, found = [], {}
        row_a, found["A"] = household("a", first)
        rows.append(row_a)
        loader.write_records(session, rows)
        district_a = session.scalar(select(Feature.district_code)
                                    .where(Feature.record_id == row_a.record_id))
        other = next(c for c in reversed(communes) if c.code != first.code)
        row_b, found["B"] = household("b", other)
        loader.write_records(session, [row_b])
        district_b = session.scalar(select(Feature.district_code)
                                    .where(Feature.record_id == row_b.record_id))
    db.engine.dispose()
    assert district_a and district_b and district_a != district_b
    return found


def sign_in(app, who: Who, codes: dict[str, str]):
    client = app.test_client()
    if who.role is None:
        return client
    areas = {"": (), "A": (codes["A"],), "D": (codes["D"],)}[who.scope]
    username = who.name.replace("@", "-at-")
    with get_database(app).transaction() as session:
        create_user(session, username, PASSWORD, who.role, areas=areas)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return client


def add_photos(world: World) -> None:
    """Give household A and a public record one photo each (when photo routes exist)."""
    from PIL import Image

    client = world.client(Who("admin"))
    page = client.get("/import").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    for key, layer in (("A", "housing"), ("public", "signal")):
        image = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 30, 30)).save(image, "JPEG")
        image.seek(0)
        caption = f"qzcanary{key.lower()}caption" if key == "A" else "cau"
        answer = client.post(
            f"/api/layers/{layer}/features/{world.fids[key if key == 'A' else layer]}/photos",
            data={"file": (image, "photo.jpg"), "caption": caption},
            headers={"X-CSRFToken": token}, content_type="multipart/form-data",
        )
        assert answer.status_code == 201, answer.get_data(as_text=True)[:300]
        world.pids[key] = answer.get_json()["id"]
        if key == "A":
            world.kinds["A"]["current"].append(caption)


@pytest.fixture(scope="module")
def world(stores, template_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("privacy")
    url = stores.new(folder, template_url)
    kinds = seed_canaries(url)
    app = create_app({"database_url": url, "instance_path": folder,
                      "default_as_of": "2025-11-30", "auto_seed": False})
    app.config["TESTING"] = True
    with get_database(app).sessions() as session:
        records = {f.record_id: f for f in session.scalars(
            select(Feature).where(Feature.record_id.like("QZCANARY%")))}
        a, b = records["QZCANARYaRID"], records["QZCANARYbRID"]
        fids = {"A": a.id, "B": b.id}
        for layer in CATALOGUE:
            if layer.records_public:
                fids[layer.id] = session.scalar(select(Feature.id).where(
                    Feature.layer_id == layer.id, Feature.deleted_at.is_(None)).limit(1))
    codes = {"A": a.commune_code, "B": b.commune_code, "D": a.district_code,
             "E": b.district_code}
    result = World(app=app, codes=codes, kinds=kinds, fids=fids)
    for who in WHO:
        result.clients[who.name] = sign_in(app, who, codes)
    with get_database(app).sessions() as session:
        from portal.store.users import User

        result.user_id = session.scalar(select(User.id).limit(1))
    if any("pid" in rule.arguments for rule in app.url_map.iter_rules()):
        add_photos(result)
    add_rasters(result, folder)
    yield result
    app.extensions["portal_db"].engine.dispose()
    stores.drop(url)


def add_rasters(world: World, folder) -> None:
    """Keep one public and one private raster (an RGB image over Lạng Sơn city)."""
    import sys
    from pathlib import Path

    from portal.services.rasters import RasterMeta, import_raster

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from raster_files import rgb_wgs84

    for name, public in (("public", True), ("private", False)):
        meta = RasterMeta(kind="other" if public else "land_cover", name_vi=name, name_en=name,
                          unit="", source="", as_of=dt.date(2025, 1, 1),
                          provenance="illustrative", public=public)
        world.rasters[name] = import_raster(
            get_database(world.app), rgb_wgs84(Path(folder) / f"{name}.tif"), meta,
            Path(folder), actor="test")


# --- routes and policy -----------------------------------------------------------------------


def get_rules(app) -> list:
    return sorted(
        (r for r in app.url_map.iter_rules()
         if "GET" in r.methods and r.endpoint != "static"),
        key=lambda r: r.rule,
    )


def _route_ids() -> list[str]:
    """Every GET rule, from an app built without data (parametrising needs them early)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"database_url": f"sqlite:///{folder}/empty.sqlite3",
                          "instance_path": folder, "auto_seed": False, "secret_key": "x"})
        rules = [r.rule for r in get_rules(app)]
        app.extensions["portal_db"].engine.dispose()
    return rules


def pytest_generate_tests(metafunc):
    if "rule" in metafunc.fixturenames:
        metafunc.parametrize("rule", _route_ids())
    if metafunc.function.__name__ == "test_every_get_route_answers_each_role_as_the_policy_says":
        metafunc.parametrize("who", WHO, ids=[w.name for w in WHO])


def _fill(rule: str, world: World, arguments: dict[str, object]) -> str:
    url = rule
    for name, value in arguments.items():
        url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(value), url)
    return url + QUERIES.get(rule, "")


def _file_and_plan_targets(rule, world: World, args: set[str]) -> list[Target] | None:
    """URLs of basemap and raster tiles, rasters and the plan's targets; None for others."""
    if "ext" in args:  # a basemap's tile: the world keeps no basemap
        return [Target(_fill(rule.rule, world, {"name": "nen", "z": 9, "x": 407, "y": 224,
                                                "ext": "png"}))]
    if "raster_id" in args:  # a raster, or its tile at zoom 0
        tile = {"z": 0, "x": 0, "y": 0} if "z" in args else {}
        return [Target(_fill(rule.rule, world, {"raster_id": world.rasters[k], **tile}),
                       record=k) for k in world.rasters]
    if "kind" in args:
        return [Target(_fill(rule.rule, world, {"kind": k})) for k in ("targets", "values")]
    if "code" in args and rule.rule.startswith(("/targets", "/api/targets")):
        # The households left in temporary houses: computed from the personal layer.
        return [Target(_fill(rule.rule, world, {"code": c})) for c in ("NHA-TAM", "NGHEO")]
    return None


def targets(rule, world: World) -> list[Target]:
    """Concrete URLs of a rule: every layer, level, record and photo it can take."""
    args = set(rule.arguments)
    known = {"layer_id", "level", "code", "fid", "pid", "user_id", "z", "x", "y",
             "collection_id", "feature_id", "name", "ext", "raster_id", "kind", "job"}
    assert args <= known, f"{rule.rule}: give the test values for {sorted(args - known)}"
    if "job" in args:  # a report cards job: none was started in this world
        return [Target(_fill(rule.rule, world, {"job": "qzNoSuchJob0123456789"}))]
    special = _file_and_plan_targets(rule, world, args)
    if special is not None:
        return special
    if "collection_id" in args:
        return ogc_targets(rule, world)
    if "z" in args:  # vector tiles: the world's one tile at zoom 0 holds every record
        world_tile = {"z": 0, "x": 0, "y": 0}
        if "layer_id" in args:
            return [Target(_fill(rule.rule, world, {"layer_id": layer.id, **world_tile}),
                           layer.id) for layer in CATALOGUE]
        return [Target(_fill(rule.rule, world, {"level": level, **world_tile}))
                for level in LEVELS]
    if "pid" in args:
        return [Target(_fill(rule.rule, world, {"pid": world.pids[k]}), record=k)
                for k in world.pids]
    if "fid" in args:
        found = [Target(_fill(rule.rule, world, {"layer_id": "housing", "fid": world.fids[k]}),
                        "housing", k) for k in ("A", "B")]
        return found + [
            Target(_fill(rule.rule, world, {"layer_id": layer.id, "fid": world.fids[layer.id]}),
                   layer.id, "public")
            for layer in CATALOGUE if layer.records_public
        ]
    if "layer_id" in args:
        return [Target(_fill(rule.rule, world, {"layer_id": layer.id}), layer.id)
                for layer in CATALOGUE]
    if "code" in args:
        places = [("commune", world.codes["A"]), ("district", world.codes["D"]),
                  ("province", PROVINCE_CODE)]
        return [Target(_fill(rule.rule, world, {"level": lv, "code": c})) for lv, c in places]
    if "user_id" in args:
        return [Target(_fill(rule.rule, world, {"user_id": world.user_id}))]
    if "raster_id" in args:  # this store keeps no raster (tests/portal/test_zonal_api.py does)
        return [Target(_fill(rule.rule, world, {"raster_id": 1}))]
    return [Target(_fill(rule.rule, world, {}))]


def ogc_targets(rule, world: World) -> list[Target]:
    """Concrete URLs of an ``/ogc`` rule: every collection, or households A, B and a record."""
    if "feature_id" not in rule.arguments:
        return [Target(_fill(rule.rule, world, {"collection_id": layer.id}), layer.id)
                for layer in CATALOGUE] + [
            Target(_fill(rule.rule, world, {"collection_id": f"boundaries-{level}"}))
            for level in ("district", "commune")]
    found = [Target(_fill(rule.rule, world, {"collection_id": "housing",
                                             "feature_id": world.fids[k]}), "housing", k)
             for k in ("A", "B")]
    return found + [
        Target(_fill(rule.rule, world, {"collection_id": layer.id,
                                        "feature_id": world.fids[layer.id]}), layer.id, "public")
        for layer in CATALOGUE if layer.records_public
    ] + [Target(_fill(rule.rule, world, {"collection_id": "boundaries-commune",
                                         "feature_id": world.codes["A"]}))]


def _ogc_policy(target: Target, who: Who) -> int:
    # The personal layer: its readers only (403 to anyone else, as its features); a household
    # outside the reader's areas is not found among the records they may read (404).
    if target.layer != "housing":
        return 200
    if who.role not in HOUSING_READERS:
        return 403
    return 200 if target.record is None or who.reads(target.record) else 404


def _raster_policy(rule: str, target: Target, who: Who) -> int:
    if rule == "/rasters":  # the upload page: administrators and planners
        return _guarded(who, who.role in ("admin", "planner"), page=True)
    # A private raster is shown to signed-in staff; to visitors it does not exist.
    return 200 if target.record == "public" or who.role is not None else 404


def _guarded(who: Who, allowed: bool, page: bool) -> int:
    if allowed:
        return 200
    if who.role is None:
        return 302 if page else 401
    return 403


def _records_policy(rule: str, target: Target, who: Who) -> int:
    # Restricted records refuse the anonymous reader with 403 too, as they refuse a signed-in
    # one: a refusal of the record, not a sign-in prompt.
    if target.layer == "housing" and rule.endswith(("/features", "/export")):
        # The map's record list and the export answer the readers of housing, each with the
        # households of their own areas only (the canaries below check the filtering).
        return 200 if who.role in HOUSING_READERS else 403
    if target.record in ("A", "B"):
        return 200 if who.reads(target.record) else 403
    return 200


def _maps_policy(rule: str, target: Target, who: Who) -> int | None:
    """The status for tiles, rasters, raster values and report card jobs; None for others."""
    if rule.startswith("/reports/cards"):
        # The report cards batch: any signed-in account; a job only to whoever started it.
        if rule == "/reports/cards":
            return _guarded(who, who.role is not None, page=True)
        return 302 if who.role is None else 404
    if rule.startswith("/basemap/"):
        # Basemap tiles are public files; the world keeps none, so every reader gets a 404.
        return 404
    if rule == "/rasters" or "<int:raster_id>" in rule:
        return _raster_policy(rule, target, who)
    if rule.startswith("/tiles/"):
        # Tiles hold public fields only; the personal layer is refused to every reader.
        return 403 if target.layer == "housing" else 200
    if rule == "/api/coverage/record-values":
        # The households' readers pass and meet the world's missing elevation raster (409).
        return 409 if who.role in HOUSING_READERS else 403
    return None


def policy(rule: str, target: Target, who: Who) -> int:
    """Return the status the roles policy gives ``who`` for ``target`` of ``rule``."""
    if rule.startswith("/admin"):
        return _guarded(who, who.role == "admin", page=True)
    if rule == "/login":
        return 200 if who.role is None else 302
    if rule == "/import":
        return _guarded(who, who.role == "admin" or who.role in EDITORS, page=True)
    if rule in GUARDED_PAGES:
        return _guarded(who, who.role in GUARDED_PAGES[rule], page=True)
    if rule == "/api/template":
        return _guarded(who, who.role == "admin" or who.role in EDITORS, page=False)
    if rule == "/api/layers/<layer_id>/template":
        # Import templates: the editors who may import into the layer (as the imports).
        editable = layers_edited_by(who.role) if who.role else frozenset()
        allowed = (who.role == "admin" or who.role in EDITORS) and target.layer in editable
        return _guarded(who, allowed, page=False)
    if rule.endswith("/edit/config"):
        return _guarded(who, who.role == "admin" or who.role in EDITORS, page=False)
    if "<pid>" in rule or "<int:pid>" in rule or "fid>" in rule or rule.startswith(
        "/api/layers/<layer_id>/"
    ):
        return _records_policy(rule, target, who)
    if rule.startswith("/ogc"):
        return _ogc_policy(target, who)
    status = _maps_policy(rule, target, who)
    if status is not None:
        return status
    if rule in PUBLIC_RULES:
        return 200
    pytest.fail(f"No privacy policy for {rule}: add it to policy() in this file.")


def readable_text(response) -> str:
    """The response's text, archives (XLSX, zipped Shapefile, KMZ) unpacked."""
    data = response.get_data()
    parts = [data]
    if data[:5] == b"%PDF-":  # a printed card: its text, as a reader would copy it
        parts.append("\n".join(pdf_pages_text(data)).encode())
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts += [archive.read(name) for name in archive.namelist()]
    return b"\n".join(parts).decode("utf-8", "replace")


def leaked(text: str, canaries: list[str]) -> list[str]:
    # A plain search: a DBF or GeoPackage puts values side by side with no separator.
    folded = text.lower()
    return [c for c in canaries if c.lower() in folded]


# --- the matrix ------------------------------------------------------------------------------


def test_every_get_route_answers_each_role_as_the_policy_says(world, rule, who):
    found = {r.rule: r for r in get_rules(world.app)}
    assert rule in found, f"{rule} is no longer a GET route"
    client = world.client(who)
    wrong, leaks = [], []
    for target in targets(found[rule], world):
        response = client.get(target.url)
        expected = policy(rule, target, who)
        if response.status_code != expected:
            wrong.append(f"{target.url}: {response.status_code}, expected {expected}")
        hits = leaked(readable_text(response), world.forbidden(who))
        if hits:
            leaks.append(f"{target.url}: {hits}")
    assert not wrong, wrong
    assert not leaks, leaks


def test_every_identity_and_scope_is_in_the_matrix():
    names = {w.name for w in WHO}
    from portal.services.access import ROLES

    assert {w.role for w in WHO} - {None} == set(ROLES)
    assert {"viewer@A", "housing_editor@A", "housing_editor", "viewer", "anonymous"} <= names


# --- canaries --------------------------------------------------------------------------------


def crawl_urls(world: World) -> list[str]:
    """Every public GET answer worth searching: routes, exports, progress, search, errors."""
    urls = [t.url for rule in get_rules(world.app) for t in targets(rule, world)]
    for layer in CATALOGUE:
        urls += [f"/api/layers/{layer.id}/export?format={fmt}" for fmt in EXPORT_FORMATS]
        urls += [f"/api/layers/{layer.id}/export?format=csv&restricted=1"]
        for level in LEVELS:
            urls += [f"/api/progress?layer={layer.id}&level={level}",
                     f"/api/progress?layer={layer.id}&level={level}&as_of=2025-04-30"]
            urls += [f"/api/progress/export?layer={layer.id}&level={level}&format={fmt}"
                     for fmt in ("csv", "xlsx")]
    for code in (world.codes["A"], world.codes["B"]):
        urls += [f"/area/commune/{code}?layer=housing", f"/area/commune/{code}?as_of=2025-04-30"]
    for district in (world.codes["D"], world.codes["E"]):
        urls += [f"/area/district/{district}?layer=housing"]
        urls += [f"/api/layers/housing/export?format=csv&level=district&code={district}"]
    urls += [f"/api/search?q={q}" for q in ("qzcanary", "qzcanaryaname", "QZCANARYA", "91827")]
    urls += ["/planning?layer=housing&level=commune", "/planning?layer=housing&level=district",
             "/?layer=housing&show=housing", "/api/changes?layer=housing&since=2025-01-01",
             "/changes?layer=housing&since=2025-01-01&until=2025-11-30"]
    # Errors: unknown page, bad parameters, unknown and refused records.
    urls += ["/no-such-page", "/api/no-such", "/area/commune/99999",
             "/api/progress?layer=housing&level=ward",
             "/api/progress?layer=housing&as_of=2025-02-31",
             f"/api/layers/signal/features/{world.fids['A']}",
             "/api/layers/housing/features/999999999", "/api/layers/housing/features"]
    english = [u for u in urls if "/export" not in u]  # files: only column labels differ
    return urls + [u + ("&" if "?" in u else "?") + "lang=en" for u in english]


@pytest.mark.parametrize("who", [Who(None), Who("telecom_editor"), Who("viewer", "A"),
                                 Who("housing_editor", "A"), Who("housing_editor", "D")],
                         ids=lambda w: w.name)
def test_no_canary_reaches_a_reader_who_may_not_see_it(world, who):
    client = world.client(who)
    forbidden = world.forbidden(who)
    assert forbidden
    leaks = []
    for url in crawl_urls(world):
        response = client.get(url)
        assert response.status_code < 500, url
        hits = leaked(readable_text(response), forbidden)
        if hits:
            leaks.append(f"{url}: {hits}")
    assert not leaks, leaks


def _record_url(world: World, key: str) -> str:
    return f"/api/layers/housing/features/{world.fids[key]}"


def test_a_commune_scoped_housing_editor_sees_the_canaries_of_that_commune_only(world):
    client = world.client(Who("housing_editor", "A"))
    own = client.get(_record_url(world, "A"))
    assert own.status_code == 200
    current = world.kinds["A"]["current"]
    assert leaked(readable_text(own), current) == current, "its reader sees the record"
    other = client.get(_record_url(world, "B"))
    assert other.status_code == 403
    assert not leaked(readable_text(other), world.canaries["B"])
    for url in ("/api/layers/housing/export?format=csv", "/api/layers/housing/features"):
        mine = client.get(url)
        assert mine.status_code == 200, url
        text = readable_text(mine)
        fields = [c for c in current if "caption" not in c]  # photos are not in lists
        assert leaked(text, fields) == fields, url
        assert not leaked(text, world.canaries["B"]), url


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_province_wide_readers_get_every_canary_in_every_export_format(world, fmt):
    # The positive control: the search above would find canaries in each format.
    for who in (Who("housing_editor"), Who("planner"), Who("admin"), Who("viewer")):
        response = world.client(who).get(f"/api/layers/housing/export?format={fmt}")
        assert response.status_code == 200, who.name
        text = readable_text(response)
        for key in ("A", "B"):
            current = [c for c in world.kinds[key]["current"] if "caption" not in c
                       and not (fmt == "gpkg" and c.isdigit())]  # SQLite stores ints binary
            assert leaked(text, current) == current, (who.name, fmt)
        assert response.headers["Cache-Control"] in ("private, no-store", "no-store")


def test_restricted_answers_are_never_stored_by_a_cache(world):
    planner = world.client(Who("planner"))
    for url in (_record_url(world, "A"), "/api/layers/housing/export?format=csv",
                "/api/progress?layer=housing&level=commune", "/planning?layer=housing"):
        assert "no-store" in planner.get(url).headers["Cache-Control"], url


def test_the_public_progress_answer_is_not_the_planners(world):
    url = "/api/progress?layer=housing&level=commune&as_of=2025-04-30"
    planner = world.client(Who("planner")).get(url)
    public = world.client(Who(None)).get(url)
    assert planner.headers["ETag"] != public.headers["ETag"]
    real = {r["code"]: r for r in planner.get_json()}
    shown = {r["code"]: r for r in public.get_json()}
    small = [(code, status) for code, row in real.items()
             for status, n in row["status_counts"].items() if 0 < n < 3]
    assert small, "the demo data have small counts on this date"
    for code, status in small:
        assert shown[code]["status_counts"][status] == "<3"
        assert shown[code]["suppressed"] is True and real[code]["suppressed"] is False
    # The planner's ETag must not fetch the planner's answer for the public.
    again = world.client(Who(None)).get(url, headers={"If-None-Match": planner.headers["ETag"]})
    assert again.status_code == 200 and again.get_json() == public.get_json()
