"""Unpacking uploaded zip archives without trusting their headers.

A zip's headers declare each member's size; a crafted archive can lie about it, or pack a
gigabyte of zeros into a kilobyte (a zip bomb). Members are therefore checked before unpacking
(declared total under the cap, compression ratio under `MAX_RATIO`) and counted while unpacking
(never more bytes than declared, never more than the cap in all). An XLSX workbook is a zip
too: `check_archive` counts its members' real bytes before any spreadsheet library opens it.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

from geodata.errors import GeodataError
from geodata.rawtable import user_error

#: Most that one upload may unpack to, unless the caller gives its own cap.
DEFAULT_MAX_UNPACKED = 2 * 1024**3
#: Highest compression ratio accepted for a member. Shapefiles compress 2 to 30 times; a
#: DBF of empty text columns about 100 times; a zip bomb a thousand times and more.
MAX_RATIO = 200
_CHUNK = 1024 * 1024


def _too_large(archive: Path, cap: int) -> GeodataError:
    size = f"{cap / 1024**2:,.0f} MB" if cap >= 1024**2 else f"{cap / 1024:,.0f} KB"
    return user_error(
        GeodataError,
        f"{archive.name} unpacks to more than {size}.",
        f"{archive.name} giải nén ra hơn {size}.",
    )


def _damaged(archive: Path) -> GeodataError:
    return user_error(
        GeodataError,
        f"{archive.name} is damaged: its contents do not match what its headers say.",
        f"{archive.name} bị hỏng: nội dung không khớp với phần đầu của tệp nén.",
    )


def check_members(archive: Path, members: list[zipfile.ZipInfo], cap: int) -> None:
    """Refuse members that declare more than ``cap`` in all, or compress suspiciously well."""
    if sum(m.file_size for m in members) > cap:
        raise _too_large(archive, cap)
    for member in members:
        if member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise user_error(
                GeodataError,
                f"{archive.name}: {member.filename} is compressed more than {MAX_RATIO} times; "
                "such archives are refused (a zip bomb).",
                f"{archive.name}: {member.filename} bị nén hơn {MAX_RATIO} lần; tệp nén như vậy "
                "bị từ chối (có thể là bom nén).",
            )


def extract_members(
    archive: Path,
    bundle: zipfile.ZipFile,
    targets: Mapping[Path, zipfile.ZipInfo],
    cap: int = DEFAULT_MAX_UNPACKED,
) -> None:
    """Unpack each member to its target path, counting the bytes actually written.

    Raises
    ------
    GeodataError
        The archive declares or unpacks to more than ``cap``, a member compresses more than
        `MAX_RATIO` times or holds more than it declares, or its data is damaged.
    """
    check_members(archive, list(targets.values()), cap)
    written = 0
    try:
        for path, member in targets.items():
            in_member = 0
            with bundle.open(member) as source, open(path, "wb") as target:
                while chunk := source.read(_CHUNK):
                    in_member += len(chunk)
                    written += len(chunk)
                    if in_member > member.file_size:
                        raise _damaged(archive)
                    if written > cap:
                        raise _too_large(archive, cap)
                    target.write(chunk)
            if in_member != member.file_size:  # less than declared: the headers lie too
                raise _damaged(archive)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
        raise _damaged(archive) from None


def check_archive(archive: Path, cap: int = DEFAULT_MAX_UNPACKED) -> None:
    """Check a whole zip (an XLSX workbook) as `extract_members` would, writing nothing.

    Every member is decompressed once and its bytes counted: the archive may not declare or
    hold more than ``cap`` in all, nor a member compress more than `MAX_RATIO` times or hold
    other than it declares.

    Raises
    ------
    zipfile.BadZipFile
        ``archive`` is not a zip at all (the caller says what it should have been).
    GeodataError
        The archive is too large unpacked, a zip bomb or damaged.
    """
    with zipfile.ZipFile(archive) as bundle:
        members = [m for m in bundle.infolist() if not m.is_dir()]
        check_members(archive, members, cap)
        total = 0
        try:
            for member in members:
                size = 0
                with bundle.open(member) as source:
                    while chunk := source.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if size > member.file_size:
                            raise _damaged(archive)
                        if total > cap:
                            raise _too_large(archive, cap)
                if size != member.file_size:
                    raise _damaged(archive)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
            raise _damaged(archive) from None
