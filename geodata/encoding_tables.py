"""Code tables of the legacy Vietnamese encodings TCVN3, VNI-Windows and VISCII, and spelling rules.

Each table is written out from its standard; ``encodings.py`` builds detection and repair on top.
Letters are described as (base, shape, tone) with the shape and tone as Unicode combining marks, so
every table is checked against ``unicodedata`` rather than against a second hand-typed table. The
spelling rules at the end are what the detector holds each candidate reading against.
"""

from __future__ import annotations

import unicodedata

# Tone marks in the order the standards list them: grave (huyền), hook (hỏi), tilde (ngã),
# acute (sắc), dot below (nặng).
GRAVE, HOOK, TILDE, ACUTE, DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
TONES = (GRAVE, HOOK, TILDE, ACUTE, DOT)
CIRCUMFLEX, BREVE, HORN = "\u0302", "\u0306", "\u031b"

# The twelve vowels (NFC) and their tone-less forms; with đ and five tones these give the 67
# lower-case letters of the alphabet beyond ASCII (134 with upper case).
VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")


def with_tone(vowel: str, tone: str) -> str:
    """Return ``vowel`` carrying ``tone`` (a combining mark or ``""``) in NFC.

    >>> with_tone("ơ", ACUTE)
    'ớ'
    """
    return unicodedata.normalize("NFC", vowel + tone)


# --- TCVN 5712:1993 -----------------------------------------------------------------------------
# ref: TCVN 5712:1993 "Công nghệ thông tin - Bộ mã chuẩn 8-bit kí tự Việt dùng trong trao đổi
# thông tin", table VN3, the subset carried by the ABC fonts (.VnTime, .VnArial ...). VN3 has the
# seven untoned capitals Ă Â Ê Ô Ơ Ư Đ but no toned capitals: those are typed with the lower-case
# codes in the capital-only .VnTimeH fonts, so the bytes alone cannot tell "á" from "Á".
_TCVN3_PLAIN = {0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
                0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ"}
# Toned lower-case vowels: codes for grave, hook, tilde, acute, dot below.
_TCVN3_TONED = {
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9), "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB), "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6), "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4), "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE), "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9), "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
# 0xB0-0xB4 are the five tone marks as combining characters (same order as TONES).
_TCVN3_COMBINING = dict(zip(range(0xB0, 0xB5), TONES, strict=True))
# Table VN1 of the same standard fills the codes VN3 leaves empty with the toned capitals. They
# mean nothing in VN3, so decoding them as VN1 is safe and lets VN1 files through unharmed.
_TCVN1_CAPITALS = dict(zip(range(0x80, 0xA0), "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ", strict=True))
_TCVN1_CAPITALS.update({0xAF: "Ằ", 0xBA: "Ẳ", 0xBF: "Ẵ", 0xC0: "Ắ", 0xC1: "Ầ", 0xC2: "Ẩ",
                        0xC3: "Ẫ", 0xC4: "Ấ", 0xC5: "Ề", 0xCD: "Ể", 0xD9: "Ễ", 0xDA: "Ế",
                        0xDB: "Ồ", 0xE0: "Ổ", 0xF0: "Ỗ", 0xFF: "Ố",
                        0x01: "Ú", 0x02: "Ụ", 0x04: "Ừ", 0x05: "Ử", 0x06: "Ữ", 0x11: "Ứ",
                        0x12: "Ự", 0x13: "Ỳ", 0x14: "Ỷ", 0x15: "Ỹ", 0x16: "Ý", 0x17: "Ỵ"})

# --- VISCII 1.1 ---------------------------------------------------------------------------------
# ref: RFC 1456 (1993), "Conventions for encoding the Vietnamese language: VISCII and VIQR". Six
# rarely used capitals live in C0 positions; 0x80-0xFF hold the rest.
_VISCII_C0 = {0x02: "Ẳ", 0x05: "Ẵ", 0x06: "Ẫ", 0x14: "Ỷ", 0x19: "Ỹ", 0x1E: "Ỵ"}
_VISCII_HIGH = (
    "ẠẮẰẶẤẦẨẬẼẸẾỀỂỄỆỐỒỔỖỘỢỚỜỞỊỎỌỈỦŨỤỲÕắằặấầẩậẽẹếềểễệốồổỗỠƠộờởịỰỨỪỬơớƯ"
    "ÀÁÂÃẢĂẳẵÈÉÊẺÌÍĨỳĐứÒÓÔạỷừửÙÚỹỵÝỡưàáâãảăữẫèéêẻìíĩỉđựòóôõỏọụùúũủýợỮ"
)

# --- VNI-Windows --------------------------------------------------------------------------------
# ref: VNI Software Company, VNI-Windows font encoding (VNI-Times ...). A letter is an ASCII base
# followed by one "mark" byte that draws the diacritics; the lower-case mark bytes are the
# upper-case ones + 0x20. ơ ư đ and the toned i, and ỵ, are single bytes of their own.
_VNI_TONE_MARKS = {GRAVE: 0xF8, ACUTE: 0xF9, HOOK: 0xFB, TILDE: 0xF5, DOT: 0xEF}
_VNI_CIRCUMFLEX_MARKS = {"": 0xE2, GRAVE: 0xE0, ACUTE: 0xE1, HOOK: 0xE5, TILDE: 0xE3, DOT: 0xE4}
_VNI_BREVE_MARKS = {"": 0xEA, GRAVE: 0xE8, ACUTE: 0xE9, HOOK: 0xFA, TILDE: 0xFC, DOT: 0xEB}
_VNI_SINGLES = {"đ": 0xF1, "ơ": 0xF4, "ư": 0xF6, "ì": 0xEC, "ỉ": 0xE6, "ĩ": 0xF3, "í": 0xED,
                "ị": 0xF2, "ỵ": 0xEE}
_VNI_SINGLES.update({ch.upper(): code - 0x20 for ch, code in list(_VNI_SINGLES.items())})


def _split_letter(letter: str) -> tuple[str, str, str]:
    """Split a lower-case letter into (ASCII-or-đ base, shape mark, tone mark).

    >>> _split_letter("ậ") == ("a", CIRCUMFLEX, DOT)
    True
    """
    decomposed = unicodedata.normalize("NFD", letter)
    base, marks = decomposed[0], decomposed[1:]
    shape = "".join(m for m in marks if m in (CIRCUMFLEX, BREVE, HORN))
    tone = "".join(m for m in marks if m in TONES)
    return base, shape, tone


def _vni_lower_bytes(letter: str) -> bytes:
    """Return the VNI bytes of one lower-case Vietnamese letter."""
    if letter in _VNI_SINGLES:
        return bytes([_VNI_SINGLES[letter]])
    base, shape, tone = _split_letter(letter)
    if shape == HORN:  # ơ/ư are single bytes that take the tone marks like a plain vowel.
        horned = _VNI_SINGLES[unicodedata.normalize("NFC", base + HORN)]
        return bytes([horned, _VNI_TONE_MARKS[tone]])
    if shape == CIRCUMFLEX:
        return bytes([ord(base), _VNI_CIRCUMFLEX_MARKS[tone]])
    if shape == BREVE:
        return bytes([ord(base), _VNI_BREVE_MARKS[tone]])
    return bytes([ord(base), _VNI_TONE_MARKS[tone]])


def _all_letters() -> list[str]:
    """Every lower-case non-ASCII Vietnamese letter: 12 vowels x 6 tones less a e i o u y, and đ."""
    letters = [with_tone(v, t) for v in VOWELS for t in ("", *TONES)]
    return [ch for ch in letters if not ch.isascii()] + ["đ"]


def _vni_capital(lower: bytes) -> bytes:
    """Return the VNI bytes of a capital from those of its lower-case letter (all codes - 0x20)."""
    first = lower[0] - 0x20 if lower[0] >= 0xC0 else ord(chr(lower[0]).upper())
    return bytes([first, *(b - 0x20 for b in lower[1:])])


def _build_tables() -> dict[str, tuple[dict[str, bytes], dict[int, str]]]:
    """Build {encoding: (encoder map, single-byte decoder map)} from the tables above."""
    tcvn3_dec = dict(_TCVN3_PLAIN)
    for vowel, codes in _TCVN3_TONED.items():
        tcvn3_dec.update(zip(codes, (with_tone(vowel, tone) for tone in TONES), strict=True))
    tcvn3_enc = {ch: bytes([code]) for code, ch in tcvn3_dec.items()}
    # VN3 has no toned capitals: they take the lower-case code (see the note above).
    tcvn3_enc.update({ch.upper(): code for ch, code in tcvn3_enc.items() if ch.islower()
                      and ch.upper() not in tcvn3_enc})
    tcvn3_dec.update(_TCVN1_CAPITALS)
    tcvn3_dec.update(_TCVN3_COMBINING)

    viscii_dec = dict(_VISCII_C0)
    viscii_dec.update(zip(range(0x80, 0x100), _VISCII_HIGH, strict=True))
    viscii_enc = {ch: bytes([code]) for code, ch in viscii_dec.items()}

    vni_enc: dict[str, bytes] = {}
    for letter in _all_letters():
        vni_enc[letter] = _vni_lower_bytes(letter)
        vni_enc[letter.upper()] = _vni_capital(vni_enc[letter])
    return {"tcvn3": (tcvn3_enc, tcvn3_dec), "viscii": (viscii_enc, viscii_dec),
            "vni": (vni_enc, {})}


TABLES = _build_tables()
ALL_LETTERS = tuple(_all_letters())

# VNI decoding: a base byte followed by a mark byte. Upper-case or lower-case mark bytes are both
# accepted whatever the case of the base, since VNI's own keyboard drivers mix them in capitals.
_VNI_PAIRS: dict[tuple[int, int], str] = {}
for _letter, _code in TABLES["vni"][0].items():
    if len(_code) == 2:
        _VNI_PAIRS[(_code[0], _code[1])] = _letter
        _other = _code[1] + 0x20 if _code[1] < 0xE0 else _code[1] - 0x20
        _VNI_PAIRS.setdefault((_code[0], _other), _letter)
_VNI_SINGLE_DEC = {code: ch for ch, code in _VNI_SINGLES.items()}


def encode_table(text: str, encoding: str) -> bytes:
    r"""Encode NFC ``text`` with a legacy table; ASCII passes, anything else raises ``ValueError``.

    >>> encode_table("Lạng Sơn", "tcvn3")
    b'L\xb9ng S\xacn'
    >>> encode_table("Lạng Sơn", "vni")
    b'La\xefng S\xf4n'
    """
    encoder = TABLES[encoding][0]
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch in encoder:
            out += encoder[ch]
        elif ch.isascii() and not (encoding == "viscii" and ord(ch) in _VISCII_C0):
            out.append(ord(ch))
        else:
            raise ValueError(f"{ch!r} has no code in {encoding}")
    return bytes(out)


def decode_table(data: bytes, encoding: str, undefined: str | None = None) -> str:
    r"""Decode legacy bytes to NFC; a byte the table does not define becomes ``undefined``.

    With ``undefined=None`` such a byte comes out as its Latin-1 character, so nothing is lost. The
    detector passes U+FFFD instead: a VNI mark byte standing alone would otherwise read as a
    plausible Latin-1 vowel such as "ã". TCVN3 toned vowels are lower case unless the whole value
    is written in capitals (see ``_restore_tcvn3_capitals``).

    >>> decode_table(b"L\xb9ng S\xacn", "tcvn3")
    'Lạng Sơn'
    >>> decode_table(b"X\xe3", "vni"), decode_table(b"X\xe3", "vni", undefined="?")
    ('Xã', 'X?')
    """
    if encoding == "vni":
        return _decode_vni(data, undefined)
    decoder = TABLES[encoding][1]
    chars = (decoder.get(b) or (chr(b) if undefined is None or b < 0x80 else undefined)
             for b in data)
    text = unicodedata.normalize("NFC", "".join(chars))
    return _restore_tcvn3_capitals(text) if encoding == "tcvn3" else text


def _decode_vni(data: bytes, undefined: str | None) -> str:
    """Decode VNI-Windows bytes, joining base + mark pairs."""
    out: list[str] = []
    i = 0
    while i < len(data):
        pair = _VNI_PAIRS.get((data[i], data[i + 1])) if i + 1 < len(data) else None
        if pair is not None:
            out.append(pair)
            i += 2
            continue
        byte = data[i]
        single = _VNI_SINGLE_DEC.get(byte)
        out.append(single or (chr(byte) if undefined is None or byte < 0x80 else undefined))
        i += 1
    return unicodedata.normalize("NFC", "".join(out))


_TCVN3_AMBIGUOUS = {with_tone(vowel, tone) for vowel in VOWELS for tone in TONES}


def _restore_tcvn3_capitals(text: str) -> str:
    """Upper-case a TCVN3 value whose unambiguous cased letters are all capitals (at least two).

    >>> _restore_tcvn3_capitals("Hà Nội"), _restore_tcvn3_capitals("Hà NộI")
    ('Hà Nội', 'HÀ NỘI')
    """
    cased = [ch for ch in text if ch.isalpha() and ch not in _TCVN3_AMBIGUOUS]
    if len(cased) >= 2 and all(ch.isupper() for ch in cased):
        return text.upper()
    return text


def undo_cp1252_mojibake(text: str) -> str:
    """Undo UTF-8 bytes that were decoded as Windows-1252 and saved again.

    >>> undo_cp1252_mojibake("LaÌ£ng SÆ¡n")
    'Lạng Sơn'
    """
    raw = bytearray()
    for ch in text:
        # The five bytes cp1252 leaves undefined usually survive as the C1 control of that value.
        raw += bytes([ord(ch)]) if 0x80 <= ord(ch) <= 0x9F else ch.encode("cp1252")
    return unicodedata.normalize("NFC", bytes(raw).decode("utf-8"))


# --- Vietnamese spelling ------------------------------------------------------------------------
# What the detector checks a reading against. ref: the standard description of the Vietnamese
# syllable (e.g. Đoàn Thiện Thuật, "Ngữ âm tiếng Việt", 1977): optional initial, a vowel nucleus
# with its glides, optional final consonant, exactly one tone (the level tone has no mark).
_INITIALS = ("ngh", "ng", "nh", "ch", "tr", "th", "kh", "ph", "gh", "gi", "qu",
             "sl",  # Tày place names of Lạng Sơn (Slam, Slăng ...)
             "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_FINALS = ("ch", "ng", "nh", "c", "m", "n", "p", "t", "")
_OPEN_NUCLEI = frozenset("ai ao au ay âu ây eo êu ia iu oi ôi ơi ui ưi ưu ua ưa iêu yêu oai "
                         "oao oay oeo uây uôi ươi ươu uya uyu".split())  # end in a glide
_CLOSED_NUCLEI = frozenset("ă â oă uâ iê yê uô ươ uyê".split())  # need a final consonant
_NUCLEI = _OPEN_NUCLEI | _CLOSED_NUCLEI | frozenset("a e ê i o ô ơ u ư y oa oe oo uê uy uơ".split())
_NH_CH_NUCLEI = frozenset("a ê i y oa uê uy".split())
_NO_NG_C_NUCLEI = frozenset("ê i y ơ uê uy".split())
_FRONT_ONLY = {"k": "ieêy", "gh": "ieê", "ngh": "ieê"}  # k, gh, ngh only before front vowels
_NOT_FRONT = {"c": "ieêy", "ng": "ieê", "g": "eê", "qu": "u"}
_VOWEL_BASES = set("aeiouy")
_SHAPE_BASES = {CIRCUMFLEX: "aeo", BREVE: "a", HORN: "ou"}
_LETTER_BASES = set("bcdđghklmnpqrstvx") | _VOWEL_BASES


def _valid_parse(initial: str, nucleus: str, final: str, tone: str) -> bool:
    """Check the spelling rules that tie initial, nucleus, final and tone together."""
    if nucleus not in _NUCLEI or (final and nucleus in _OPEN_NUCLEI):
        return False
    if not final and nucleus in _CLOSED_NUCLEI:
        return False
    if final in ("nh", "ch") and nucleus not in _NH_CH_NUCLEI:
        return False
    if final in ("ng", "c") and nucleus in _NO_NG_C_NUCLEI:
        return False
    if final in ("c", "ch", "p", "t") and tone not in (ACUTE, DOT):  # stops take only these two
        return False
    if initial in _FRONT_ONLY and nucleus[0] not in _FRONT_ONLY[initial]:
        return False
    return not (initial in _NOT_FRONT and nucleus[0] in _NOT_FRONT[initial])


def _strip_tone(word: str) -> tuple[str, str] | None:
    """Split a lower-case word into (toneless NFC letters, tone), or None if it cannot be one."""
    letters: list[str] = []
    tone = ""
    for ch in unicodedata.normalize("NFD", word):
        if ch in TONES:
            if tone or not letters or letters[-1][0] not in _VOWEL_BASES:
                return None
            tone = ch
        elif ch in _SHAPE_BASES:
            if not letters or len(letters[-1]) > 1 or letters[-1] not in _SHAPE_BASES[ch]:
                return None
            letters[-1] += ch
        elif ch in _LETTER_BASES:
            letters.append(ch)
        else:
            return None
    return unicodedata.normalize("NFC", "".join(letters)), tone


def is_vietnamese_syllable(word: str) -> bool:
    """Tell whether ``word`` is spelled like one Vietnamese syllable.

    One tone at most, on a vowel; circumflex, breve and horn only where Vietnamese has them; a
    known initial, nucleus and final that go together (nh/ch after a, ê, i ...; c, ch, p, t only
    with the acute or dot-below tone; k, gh, ngh before front vowels); lower, Title or UPPER case.

    >>> [is_vietnamese_syllable(w) for w in ("Nguyễn", "LẠNG", "nghiêng", "giếng", "Quốc")]
    [True, True, True, True, True]
    >>> [is_vietnamese_syllable(w) for w in ("Vieät", "µng", "tÖi", "Bừnh", "Loảc", "kan")]
    [False, False, False, False, False, False]
    """
    if not (word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())):
        return False
    split = _strip_tone(word.lower())
    if split is None:
        return False
    toneless, tone = split
    for initial in _INITIALS:
        if not toneless.startswith(initial):
            continue
        rest = toneless[len(initial):]
        for final in _FINALS:
            if rest.endswith(final) and len(rest) > len(final):
                nucleus = rest[: len(rest) - len(final)]
                if _valid_parse(initial, nucleus, final, tone):
                    return True
    return False
