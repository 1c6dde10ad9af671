"""PMTiles archives, read through the ``pmtiles`` package with capped directories."""

from __future__ import annotations

import io
from pathlib import Path

from pmtiles.reader import MmapSource
from pmtiles.reader import Reader as PmtilesReader
from pmtiles.tile import (
    Compression,
    Entry,
    deserialize_header,
    find_tile,
    read_varint,
    zxy_to_tileid,
)

from geodata.tileset_checks import (
    MAX_DIRECTORY_BYTES,
    MAX_TILE_BYTES,
    PMTILES_TYPES,
    TilesetError,
    TilesetInfo,
    attribution,
    check_protomaps_layers,
    kind_of,
    layers_from_metadata,
    too_big,
    truncated,
    unpacked,
    vector_layer_names,
)


def _directory(data: bytes, compression: Compression) -> list:
    """Unpack one PMTiles directory with a cap, return its entries (pmtiles' `Entry`)."""
    if compression == Compression.GZIP:
        data = unpacked(data, MAX_DIRECTORY_BYTES)
    elif compression != Compression.NONE:
        raise TilesetError("The PMTiles directories use a compression the portal cannot read "
                           "(only gzip or none).",
                           "Thư mục PMTiles nén theo cách cổng không đọc được (chỉ gzip hoặc "
                           "không nén).")
    b_io = io.BytesIO(data)
    count = read_varint(b_io)
    if count > len(data):
        raise EOFError("directory shorter than its count")
    entries = [Entry(0, 0, 0, 0) for _ in range(count)]
    last = 0
    for entry in entries:
        last += read_varint(b_io)
        entry.tile_id = last
    for entry in entries:
        entry.run_length = read_varint(b_io)
    for entry in entries:
        entry.length = read_varint(b_io)
    for i, entry in enumerate(entries):
        value = read_varint(b_io)
        entry.offset = entries[i - 1].offset + entries[i - 1].length if i and not value \
            else value - 1
    return entries


def _walk_pmtiles(get_bytes, header, size: int):
    """Yield every tile entry, checking each lies inside the file with a sane length."""
    pending = [(header["root_offset"], header["root_length"])]
    seen = 0
    while pending:
        offset, length = pending.pop()
        if offset + length > size:
            raise EOFError("directory beyond the end of the file")
        for entry in _directory(get_bytes(offset, length), header["internal_compression"]):
            seen += 1
            if seen > 50_000_000:
                raise EOFError("too many directory entries")
            if entry.run_length == 0:
                pending.append((header["leaf_directory_offset"] + entry.offset, entry.length))
                continue
            if entry.length > MAX_TILE_BYTES:
                raise too_big(entry.length)
            if header["tile_data_offset"] + entry.offset + entry.length > size:
                raise EOFError("tile beyond the end of the file")
            yield entry


def inspect_pmtiles(path: Path) -> TilesetInfo:
    """Check a PMTiles archive: header, every directory, sizes, metadata, a vector tile's layers."""
    size = path.stat().st_size
    try:
        with open(path, "rb") as handle:
            get_bytes = MmapSource(handle)
            header = deserialize_header(get_bytes(0, 127))
            if header["metadata_offset"] + header["metadata_length"] > size:
                raise EOFError("metadata beyond the end of the file")
            metadata = PmtilesReader(get_bytes).metadata() if header["metadata_length"] else {}
            entries = list(_walk_pmtiles(get_bytes, header, size))
            fmt = PMTILES_TYPES.get(header["tile_type"], header["tile_type"].name.lower())
            kind = kind_of(fmt)
            layers: tuple[str, ...] = ()
            if kind == "vector":
                names = layers_from_metadata(metadata if isinstance(metadata, dict) else {})
                if not names and entries:
                    first = entries[0]
                    names = vector_layer_names(
                        get_bytes(header["tile_data_offset"] + first.offset, first.length))
                layers = check_protomaps_layers(names)
    except TilesetError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever breaks in a damaged archive
        raise truncated(exc) from exc
    if not entries:
        raise TilesetError("The file holds no tile.", "Tệp không có ô bản đồ nào.")
    bounds = tuple(header[k] / 1e7 for k in ("min_lon_e7", "min_lat_e7", "max_lon_e7",
                                              "max_lat_e7"))
    return TilesetInfo("pmtiles", kind, fmt, int(header["min_zoom"]), int(header["max_zoom"]),
                       bounds, attribution(metadata), layers)


class PmtilesTiles:
    """Tiles of a PMTiles archive by XYZ address, read through a memory map of the file."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as handle:
            self._get = MmapSource(handle)  # the map outlives the file object
        self._header = deserialize_header(self._get(0, 127))
        self._root = _directory(self._get(self._header["root_offset"],
                                          self._header["root_length"]),
                                self._header["internal_compression"])

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """Return the stored bytes of tile z/x/y (XYZ), None when the archive has none."""
        header, entries = self._header, self._root
        tile_id = zxy_to_tileid(z, x, y)
        for _depth in range(4):
            found = find_tile(entries, tile_id)
            if found is None:
                return None
            if found.run_length:
                if found.length > MAX_TILE_BYTES:
                    return None
                return bytes(self._get(header["tile_data_offset"] + found.offset, found.length))
            entries = _directory(self._get(header["leaf_directory_offset"] + found.offset,
                                           found.length), header["internal_compression"])
        return None

    def close(self) -> None:
        """Let the memory map go (it closes when no longer referenced)."""
        self._get = None
