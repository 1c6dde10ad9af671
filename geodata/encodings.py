"""Legacy Vietnamese text: detect TCVN3 / VNI / VISCII / UTF-8 and convert it to Unicode NFC.

Old MapInfo and ArcView files carry names in 8-bit font encodings. A reader that does not know the
encoding decodes the bytes as Latin-1, so ``value.encode("latin-1")`` gives the bytes back; this
module tries every candidate encoding on them and keeps the one whose result reads as Vietnamese
(syllables with one tone on a vowel, known initials and finals). Values it cannot decide are
reported with their row and field, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from geodata.encoding_tables import (
    decode_table,
    encode_table,
    is_vietnamese_syllable,
    undo_cp1252_mojibake,
)
from geodata.problems import Problem

LEGACY_ENCODINGS = ("tcvn3", "vni", "viscii")
CANDIDATES = ("utf-8", "utf-8-mojibake", *LEGACY_ENCODINGS)
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-mojibake": "UTF-8 read as Windows-1252",
                  "tcvn3": "TCVN3 (ABC)", "vni": "VNI-Windows", "viscii": "VISCII"}

# A reading is plausible when this share of its non-ASCII words are Vietnamese syllables, and it
# wins when it leads every other reading that gives a different text by MARGIN. Chosen by encoding
# the 209 official names of Lạng Sơn's units in each encoding: no column of them was misread, and
# a column of ten names was decided 97-100% of the time (single short names often are not).
MIN_PLAUSIBLE = 0.75
MARGIN = 0.25

_WORD = re.compile(r"[^\W\d_]+")
_HARMLESS = set("\u00a0\u00b0\u2013\u2014\u2018\u2019\u201c\u201d\u2026")  # nbsp ° – — ‘ ’ “ ” …


@dataclass(frozen=True)
class Detection:
    """Result of :func:`detect_encoding`.

    Attributes
    ----------
    encoding : str or None
        ``"ascii"``, ``"utf-8"``, ``"utf-8-mojibake"``, ``"tcvn3"``, ``"vni"``, ``"viscii"``, or
        None when no reading is clearly the best.
    confidence : float
        1.0 for ascii and valid UTF-8 (structural evidence); otherwise the lead of the winner's
        share of Vietnamese-looking words over the runner-up's (0 when undecided).
    undecided_rows : tuple of int
        Positions in ``samples`` that the chosen encoding does not read plausibly, or that another
        reading explains clearly better; every non-ASCII sample when ``encoding`` is None.
    """

    encoding: str | None
    confidence: float
    undecided_rows: tuple[int, ...] = ()


@dataclass(frozen=True)
class RepairReport:
    """A converted copy of a frame, the encoding found per column, and the values left as read."""

    frame: pd.DataFrame
    encodings: dict[Hashable, str | None]
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class NfcReport:
    """A copy of a frame with every text value in NFC, and how many values that changed."""

    frame: pd.DataFrame
    changed: int


def encode_legacy(text: str, encoding: str) -> bytes:
    r"""Encode ``text`` in a legacy encoding (for fixtures and tests).

    TCVN3 has no toned capitals: they are written with the lower-case codes, as the .VnTimeH fonts
    expect. Raises ``ValueError`` for an unknown encoding or a character the table lacks.

    >>> encode_legacy("Lạng Sơn", "viscii")
    b'L\xd5ng S\xbdn'
    """
    if encoding not in LEGACY_ENCODINGS:
        raise ValueError(f"unknown legacy encoding {encoding!r}")
    return encode_table(text, encoding)


def decode_legacy(data: bytes, encoding: str) -> str:
    r"""Decode bytes in one of :data:`CANDIDATES` to NFC text.

    TCVN3 capitals are ambiguous (see :func:`encode_legacy`): a toned vowel is made a capital only
    when every other cased letter of the value is a capital and there are at least two of them.
    UTF-8 variants are strict and raise ``UnicodeDecodeError`` on invalid bytes.

    >>> decode_legacy(b"Ti\xd6n Y\xaan", "tcvn3")
    'Tiện Yên'
    >>> decode_legacy(b"L\xb9NG S\xa5N", "tcvn3")
    'LẠNG SƠN'
    >>> decode_legacy(b"Lo\xe4c B\xecnh", "vni")
    'Lộc Bình'
    """
    return _decode(data, encoding)


def _decode(data: bytes, encoding: str, undefined: str | None = None) -> str:
    """Decode like :func:`decode_legacy`; ``undefined`` replaces bytes a legacy table lacks."""
    if encoding == "utf-8":
        text = data.decode("utf-8")
    elif encoding == "utf-8-mojibake":
        text = undo_cp1252_mojibake(data.decode("utf-8"))
    elif encoding in LEGACY_ENCODINGS:
        text = decode_table(data, encoding, undefined)
    else:
        raise ValueError(f"unknown encoding {encoding!r}")
    return unicodedata.normalize("NFC", text)


def _score(text: str) -> tuple[int, int]:
    """Count (Vietnamese-looking, all) non-ASCII words of ``text``; stray symbols count as bad.

    >>> _score("Bản Nà Pàn"), _score("B¶n Nµ Pµn")
    ((3, 3), (0, 3))
    """
    good = total = 0
    for word in _WORD.findall(text):
        if not word.isascii():
            total += 1
            good += is_vietnamese_syllable(word)
    # Symbols outside words (¶, ·, stray combining marks ...) betray a wrong table.
    total += sum(1 for ch in _WORD.sub(" ", text) if not ch.isascii() and ch not in _HARMLESS)
    return good, total


def _is_plain_ascii(data: bytes) -> bool:
    """Tell whether ``data`` is printable ASCII (VISCII hides capitals among the C0 controls)."""
    return all(0x20 <= b < 0x7F or b in (0x09, 0x0A, 0x0D) for b in data)


Reading = tuple[str, int, int]  # decoded text, Vietnamese-looking words, words judged


def _readings(data: bytes) -> dict[str, Reading]:
    """Decode ``data`` with every candidate it is valid for and score each text."""
    out: dict[str, Reading] = {}
    for encoding in CANDIDATES:
        try:
            text = _decode(data, encoding, undefined="\ufffd")
        except UnicodeError:
            continue
        out[encoding] = (text, *_score(text))
    return out


def _ratio(good: int, total: int) -> float:
    """Share of good words; a text with nothing to judge is not held against a reading."""
    return good / total if total else 1.0


def _lead(samples: Sequence[dict[str, Reading]], a: str, b: str) -> float | None:
    """How much better ``a`` reads than ``b`` where their texts differ; None if they never do."""
    good_a = total_a = good_b = total_b = 0
    differ = False
    for readings in samples:
        if readings[a][0] != readings[b][0]:
            differ = True
            good_a, total_a = good_a + readings[a][1], total_a + readings[a][2]
            good_b, total_b = good_b + readings[b][1], total_b + readings[b][2]
    return _ratio(good_a, total_a) - _ratio(good_b, total_b) if differ else None


def _beats(samples: Sequence[dict[str, Reading]], a: str, b: str) -> bool:
    """Tell whether ``a`` reads plausibly and clearly better than ``b``."""
    good = sum(r[a][1] for r in samples)
    total = sum(r[a][2] for r in samples)
    return _ratio(good, total) >= MIN_PLAUSIBLE and (_lead(samples, a, b) or 0.0) >= MARGIN


def _pick(samples: Sequence[dict[str, Reading]]) -> tuple[str | None, float]:
    """Pick the encoding that reads every sample and clearly best, with its lead (or None, 0)."""
    valid = [enc for enc in CANDIDATES if all(enc in r for r in samples)]
    if "utf-8" in valid and not any(_beats(samples, c, "utf-8") for c in valid if c != "utf-8"):
        # Bytes that happen to be valid multi-byte UTF-8 are rare in legacy text, so UTF-8 stands
        # unless another reading is clearly better (mojibake repaired, or chance UTF-8).
        return "utf-8", 1.0
    ratios = {enc: _ratio(sum(r[enc][1] for r in samples), sum(r[enc][2] for r in samples))
              for enc in valid}
    if not ratios or max(ratios.values()) < MIN_PLAUSIBLE:
        return None, 0.0
    best = max(ratios, key=lambda enc: ratios[enc])
    leads = [_lead(samples, best, c) for c in valid if c != best]
    lead = min((x for x in leads if x is not None), default=1.0)
    return (best, round(lead, 6)) if lead >= MARGIN else (None, 0.0)


def _settled(readings: dict[str, Reading], encoding: str | None) -> bool:
    """Tell whether one sample reads plausibly in ``encoding`` and no other reading better."""
    if encoding is None or encoding not in readings:
        return False
    if any(_beats([readings], other, encoding) for other in readings if other != encoding):
        return False
    # Valid UTF-8 needs no Vietnamese look to stand (a French or Chinese name is fine).
    return encoding == "utf-8" or _ratio(*readings[encoding][1:]) >= MIN_PLAUSIBLE


def _assess(samples: Sequence[bytes]) -> tuple[Detection, dict[int, dict[str, Reading]]]:
    """Detect the encoding of ``samples`` and keep each non-ASCII sample's readings."""
    per_sample = {i: _readings(s) for i, s in enumerate(samples) if not _is_plain_ascii(s)}
    if not per_sample:
        return Detection("ascii", 1.0, ()), per_sample
    encoding, confidence = _pick(list(per_sample.values()))
    undecided = tuple(i for i, readings in per_sample.items() if not _settled(readings, encoding))
    return Detection(encoding, confidence, undecided), per_sample


def detect_encoding(samples: Sequence[bytes]) -> Detection:
    """Detect the encoding of byte strings that share one (e.g. the values of one column).

    >>> detect_encoding([b"Lang Son"])
    Detection(encoding='ascii', confidence=1.0, undecided_rows=())
    >>> detect_encoding(["Lạng Sơn".encode()]).encoding
    'utf-8'
    >>> detect_encoding([encode_legacy(n, "vni") for n in ("Lộc Bình", "Hữu Lũng")]).encoding
    'vni'
    """
    return _assess(samples)[0]


def _problem(row: int, column: Hashable, value: str, readings: dict[str, Reading],
             encoding: str | None) -> Problem:
    """Explain in both languages why one value was left as read.

    The problem's ``field`` is the frame's column label until the reader names it
    (:func:`geodata.rawtable.raise_problems`).
    """
    plausible = [enc for enc, r in readings.items() if _ratio(*r[1:]) >= MIN_PLAUSIBLE]
    names = ", ".join(ENCODING_NAMES[enc] for enc in plausible)
    shown = repr(value)[:60]
    fix_en = "save the file as UTF-8 (Unicode) and upload it again."
    fix_vi = "hãy lưu tệp ở dạng UTF-8 (Unicode) rồi tải lên lại."
    if not plausible:
        en = f"The text {shown} is not readable Vietnamese in UTF-8, TCVN3, VNI or VISCII; {fix_en}"
        vi = (f"Chữ {shown} không đọc được thành tiếng Việt theo bảng mã UTF-8, TCVN3, VNI hay "
              f"VISCII; {fix_vi}")
    elif encoding is None or encoding in plausible:
        en = f"The encoding of the text {shown} cannot be decided ({names}); {fix_en}"
        vi = f"Không xác định được bảng mã của chữ {shown} ({names}); {fix_vi}"
    else:
        column_name = ENCODING_NAMES.get(encoding, encoding)
        en = (f"The text {shown} looks like {names}, but the rest of the column is "
              f"{column_name}; {fix_en}")
        vi = (f"Chữ {shown} có vẻ theo bảng mã {names}, khác với phần còn lại của cột "
              f"({column_name}); {fix_vi}")
    return Problem(row, column, value, en, vi, code="encoding")


@dataclass
class _Column:
    """One column's values while it is repaired: raw bytes and readings of its non-ASCII values."""

    name: Hashable
    values: list
    unicode: bool = False
    raw: dict[int, bytes] = field(default_factory=dict)
    readings: dict[int, dict[str, Reading]] = field(default_factory=dict)


def _read_column(name: Hashable, series: pd.Series, raw_encoding: str) -> _Column:
    """Recover each text value's bytes and read the non-ASCII ones in every candidate."""
    column = _Column(name, list(series))
    for pos, value in enumerate(column.values):
        if not isinstance(value, str):
            continue
        try:
            data = value.encode(raw_encoding)
        except UnicodeEncodeError:  # already real Unicode: only normalise it
            column.values[pos] = unicodedata.normalize("NFC", value)
            column.unicode = True
            continue
        if _is_plain_ascii(data):
            column.values[pos] = data.decode("ascii")
        else:
            column.raw[pos] = data
            column.readings[pos] = _readings(data)
    return column


def _convert_column(column: _Column, encoding: str | None, row_offset: int
                    ) -> list[Problem]:
    """Decode every settled value of ``column`` in place; return a problem for each other one."""
    problems = []
    for pos, readings in column.readings.items():
        if encoding is not None and _settled(readings, encoding):
            column.values[pos] = decode_legacy(column.raw[pos], encoding)
        else:
            problems.append(_problem(row_offset + pos, column.name, column.values[pos], readings,
                                     encoding))
    return problems


def _text_columns(frame: pd.DataFrame) -> list[Hashable]:
    """Return the labels of the columns that may hold text."""
    return list(frame.select_dtypes(include=["object", "string"]).columns)


def repair_text_columns(frame: pd.DataFrame, columns: Sequence[Hashable] | None = None,
                        raw_encoding: str = "latin-1", row_offset: int = 2) -> RepairReport:
    """Detect each text column's encoding and convert its values to Unicode NFC.

    Parameters
    ----------
    frame : pandas.DataFrame
        Text as read without a known encoding, i.e. decoded with ``raw_encoding``.
    columns : sequence of str, optional
        Columns to repair; default every object or string column.
    raw_encoding : str
        The codec the reader used, so that ``value.encode(raw_encoding)`` gives the file's bytes.
        Values it cannot encode are taken to be Unicode already and only normalised.
    row_offset : int
        Spreadsheet row of the frame's first row (2: row 1 is the header).

    Returns
    -------
    RepairReport
        The converted copy; ``encodings[column]`` is None when the column could not be decided
        (a column too short to decide alone takes the encoding of all the columns together).
        Each value not converted stays as read and has a :class:`~geodata.problems.Problem`.
    """
    names = list(columns) if columns is not None else _text_columns(frame)
    read = [_read_column(name, frame[name], raw_encoding) for name in names]
    # A file has one encoding as a rule: a column too short to decide on its own takes the
    # encoding the whole file shows, and each of its values must still read well in it.
    whole_file = _pick([r for column in read for r in column.readings.values()])[0]
    out = frame.copy()
    encodings: dict[Hashable, str | None] = {}
    problems: list[Problem] = []
    for column in read:
        if not column.readings:
            encoding: str | None = "utf-8" if column.unicode else "ascii"
        else:
            encoding = _pick(list(column.readings.values()))[0] or whole_file
        problems.extend(_convert_column(column, encoding, row_offset))
        encodings[column.name] = encoding
        out[column.name] = pd.Series(column.values, index=frame.index,
                                     dtype=frame[column.name].dtype)
    return RepairReport(out, encodings, problems)


def normalize_nfc_columns(frame: pd.DataFrame, columns: Sequence[Hashable] | None = None
                          ) -> NfcReport:
    r"""Return a copy with every text value in NFC and the number of values that changed.

    >>> frame = pd.DataFrame({"ten": ["La\u0323ng So\u031bn", "Chi Lăng"]})
    >>> report = normalize_nfc_columns(frame)
    >>> report.frame["ten"].tolist(), report.changed
    (['Lạng Sơn', 'Chi Lăng'], 1)
    """
    out = frame.copy()
    changed = 0
    for column in columns if columns is not None else _text_columns(frame):
        values = list(frame[column])
        for pos, value in enumerate(values):
            if isinstance(value, str) and not unicodedata.is_normalized("NFC", value):
                values[pos] = unicodedata.normalize("NFC", value)
                changed += 1
        out[column] = pd.Series(values, index=frame.index, dtype=frame[column].dtype)
    return NfcReport(out, changed)

