import doctest

import numpy as np

import geopandas as gpd
import shapely

import geodata.assign
from geodata.assign import assign_points, representative_xy


def test_points_at_commune_labels_map_to_their_communes(boundaries):
    communes = boundaries.communes
    codes = assign_points(communes["label_lon"], communes["label_lat"], communes)
    assert codes.tolist() == communes["code"].tolist()


def test_points_at_legacy_labels_map_to_their_districts(boundaries):
    legacy = boundaries.legacy_communes
    codes = assign_points(legacy["label_lon"], legacy["label_lat"], boundaries.districts)
    assert codes.tolist() == legacy["parent_code"].tolist()


def test_points_in_china_map_to_none(boundaries):
    # Nanning, and Pingxiang just across the border from Đồng Đăng.
    codes = assign_points(np.array([108.366, 106.757]), np.array([22.817, 22.097]),
                          boundaries.communes)  # fmt: skip
    assert codes.tolist() == [None, None]


def test_a_point_just_over_the_border_goes_to_the_nearest_commune(boundaries):
    communes = boundaries.communes
    province = boundaries.province.geometry.iloc[0]
    inside = shapely.Point(communes["label_lon"].iloc[0], communes["label_lat"].iloc[0])
    edge = shapely.shortest_line(province.exterior, inside).coords[0]
    # Step 0.005° outward from the province's edge, then 0.05°: within and beyond tolerance.
    direction = np.subtract(edge, inside.coords[0])
    direction /= np.hypot(*direction)
    near = np.add(edge, 0.005 * direction)
    far = np.add(edge, 0.05 * direction)
    codes = assign_points(np.array([near[0], far[0]]), np.array([near[1], far[1]]), communes)
    distance = shapely.distance(communes.geometry.to_numpy(), shapely.Point(near))
    nearest = communes["code"].iloc[int(np.argmin(distance))]
    assert codes.tolist() == [nearest, None]


def test_nan_coordinates_map_to_none(boundaries):
    codes = assign_points(np.array([np.nan]), np.array([21.85]), boundaries.communes)
    assert codes.tolist() == [None]


def test_a_million_points_agree_with_a_spatial_join(boundaries):
    communes = boundaries.communes
    minx, miny, maxx, maxy = boundaries.province.total_bounds
    rng = np.random.default_rng(20250701)
    xs = rng.uniform(minx - 0.1, maxx + 0.1, 1_000_000)
    ys = rng.uniform(miny - 0.1, maxy + 0.1, 1_000_000)
    codes = assign_points(xs, ys, communes)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xs, ys), crs=communes.crs)
    joined = gpd.sjoin(points, communes[["code", "geometry"]], predicate="within", how="left")
    expected = joined["code"].to_numpy(dtype=object)
    within = joined["code"].notna().to_numpy()
    assert (codes[within] == expected[within]).all()
    # Everything else is either unassigned or assigned within the tolerance of its area.
    extra = np.flatnonzero(~within & (codes != None))  # noqa: E711
    assert 0 < extra.size < 0.1 * xs.size
    sample = extra[:: max(1, extra.size // 500)]
    areas = communes.set_index("code").geometry.loc[codes[sample]].to_numpy()
    assert (shapely.distance(areas, shapely.points(xs[sample], ys[sample])) <= 0.02).all()
    none = np.flatnonzero(codes == None)  # noqa: E711
    sample = none[:: max(1, none.size // 500)]
    province = boundaries.province.geometry.iloc[0]
    assert (shapely.distance(province, shapely.points(xs[sample], ys[sample])) > 0.02).all()


def test_representative_xy_takes_points_line_middles_and_polygon_insides():
    polygon = shapely.Polygon([(0, 0), (4, 0), (4, 1), (1, 1), (1, 4), (0, 4)])
    geoms = [
        shapely.Point(1, 2),
        shapely.LineString([(0, 0), (4, 0)]),
        shapely.MultiLineString([[(0, 0), (0, 2)], [(10, 0), (10, 2)]]),
        polygon,
        shapely.Point(),
        None,
    ]
    xs, ys = representative_xy(geoms)
    assert (xs[0], ys[0]) == (1.0, 2.0)
    assert (xs[1], ys[1]) == (2.0, 0.0)
    assert np.isfinite(xs[2]) and np.isfinite(ys[2])
    assert polygon.contains(shapely.Point(xs[3], ys[3]))
    assert np.isnan(xs[4:]).all() and np.isnan(ys[4:]).all()


def test_assign_doctests_pass():
    failures, tested = doctest.testmod(geodata.assign)
    assert tested > 0
    assert failures == 0
