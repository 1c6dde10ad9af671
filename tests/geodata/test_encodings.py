import doctest
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

import geodata.encoding_tables
import geodata.encodings
from geodata.encoding_tables import ALL_LETTERS, TABLES, TONES, VOWELS, with_tone
from geodata.encodings import (
    LEGACY_ENCODINGS,
    Detection,
    decode_legacy,
    detect_encoding,
    encode_legacy,
    is_vietnamese_syllable,
    normalize_nfc_columns,
    repair_text_columns,
)
from geodata.errors import LegacyEncoding

DATA = Path(__file__).parents[1] / "data"
VILLAGE_NAMES = ["Thôn Nà Pàn", "Bản Khuổi Phầy", "Thôn Đồng Đăng", "Phố Kỳ Lừa", "Thôn Pác Cáp",
                 "Bản Lạn", "THÔN NÀ SLA", "Thôn Quốc Việt"]
COMMUNES = ["Xã Hữu Liên", "Xã Tân Thành", "Thị trấn Đồng Đăng", "Phường Hoàng Văn Thụ",
            "Xã Bình Gia", "Xã Chi Lăng", "Xã Hồng Phong", "Xã Lộc Bình"]
LOWER = list(ALL_LETTERS)
UPPER = [letter.upper() for letter in ALL_LETTERS]


def read_raw(name: str) -> pd.DataFrame:
    """Read a fixture as an importer does when it does not know the encoding."""
    return pd.read_csv(DATA / name, encoding="latin-1", dtype=str)


# --- code tables ---------------------------------------------------------------------------------


def test_the_alphabet_has_134_letters_beyond_ascii():
    assert len(LOWER) + len(UPPER) == 134
    assert len(set(LOWER + UPPER)) == 134
    assert all(unicodedata.is_normalized("NFC", letter) and len(letter) == 1 for letter in LOWER)
    toned = {with_tone(vowel, tone) for vowel in VOWELS for tone in TONES}
    assert toned <= set(LOWER)
    assert {"ă", "â", "ê", "ô", "ơ", "ư", "đ"} <= set(LOWER)


@pytest.mark.parametrize("encoding", ["vni", "viscii"])
@pytest.mark.parametrize("letter", LOWER + UPPER)
def test_every_letter_round_trips_through_vni_and_viscii(encoding, letter):
    assert decode_legacy(encode_legacy(letter, encoding), encoding) == letter
    word = f"x{letter}y"
    assert decode_legacy(encode_legacy(word, encoding), encoding) == word


@pytest.mark.parametrize("letter", LOWER)
def test_every_lower_case_letter_round_trips_through_tcvn3(letter):
    assert decode_legacy(encode_legacy(letter, "tcvn3"), "tcvn3") == letter


@pytest.mark.parametrize("letter", UPPER)
def test_tcvn3_capitals_come_back_as_capitals_inside_words_written_in_capitals(letter):
    # VN3 has codes for Ă Â Ê Ô Ơ Ư Đ only; toned capitals share the lower-case codes, so they
    # are restored only when the rest of the value is written in capitals.
    assert decode_legacy(encode_legacy(f"TH{letter}N", "tcvn3"), "tcvn3") == f"TH{letter}N"
    alone = decode_legacy(encode_legacy(letter, "tcvn3"), "tcvn3")
    assert alone in (letter, letter.lower())


@pytest.mark.parametrize("encoding", LEGACY_ENCODINGS)
def test_each_table_gives_distinct_codes_to_distinct_letters(encoding):
    encoder = TABLES[encoding][0]
    letters = LOWER if encoding == "tcvn3" else LOWER + UPPER
    codes = [encoder[letter] for letter in letters]
    assert len(set(codes)) == len(codes)
    assert all(any(b >= 0x80 or b < 0x20 for b in code) for code in codes)


def test_known_legacy_texts_decode_to_their_unicode():
    # The motto as it shows when a TCVN3 or VNI file is opened as Windows-1252, a sight every
    # Vietnamese office knows; it checks the tables against text they did not produce.
    tcvn3 = "Céng hoµ x· héi chñ nghÜa ViÖt Nam".encode("latin-1")
    vni = "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam".encode("latin-1")
    assert decode_legacy(tcvn3, "tcvn3") == "Cộng hoà xã hội chủ nghĩa Việt Nam"
    assert decode_legacy(vni, "vni") == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert decode_legacy("§éc lËp - Tù do - H¹nh phóc".encode("latin-1"), "tcvn3") == (
        "Độc lập - Tự do - Hạnh phúc")
    assert decode_legacy("ÑOÄC LAÄP - TÖÏ DO".encode("latin-1"), "vni") == "ĐỘC LẬP - TỰ DO"


def test_viscii_places_letters_where_rfc_1456_puts_them():
    assert decode_legacy(bytes([0x80, 0xFF, 0x02, 0x1E, 0xD5, 0xBD]), "viscii") == "ẠỮẲỴạơ"


def test_tcvn3_combining_tone_marks_and_vn1_capitals_decode():
    assert decode_legacy(b"a\xb3", "tcvn3") == "á"  # 0xB3: combining acute
    assert decode_legacy(b"o\xb4", "tcvn3") == "ọ"  # 0xB4: combining dot below
    assert decode_legacy(b"\x83", "tcvn3") == "Á"  # VN1 capital in a code VN3 leaves empty


def test_decoded_text_is_nfc():
    decoded = decode_legacy(b"Vi\xaa\xb4t", "tcvn3")  # ê + combining dot below
    assert decoded == "Việt"
    assert unicodedata.is_normalized("NFC", decoded)
    assert unicodedata.is_normalized("NFC", decode_legacy(b"Lo\xe4c", "vni"))


def test_encode_legacy_refuses_unknown_encodings_and_foreign_letters():
    with pytest.raises(ValueError):
        encode_legacy("Lạng Sơn", "cp1258")
    with pytest.raises(ValueError):
        encode_legacy("€", "tcvn3")
    with pytest.raises(ValueError):
        decode_legacy(b"x", "klingon")


# --- syllables and detection ---------------------------------------------------------------------


@pytest.mark.parametrize("word", ["Lạng", "Sơn", "Nguyễn", "nghiêng", "khuya", "Quốc", "giếng",
                                  "gì", "người", "THÀNH", "Khuổi", "Slam", "xoong", "Việt"])
def test_vietnamese_syllables_are_recognised(word):
    assert is_vietnamese_syllable(word)


@pytest.mark.parametrize("word", ["Vieät", "µng", "tÖi", "Bừnh", "Loảc", "kan", "ci", "cat",
                                  "ưnh", "Xaơ", "aá", "ghu"])
def test_non_syllables_are_rejected(word):
    assert not is_vietnamese_syllable(word)


def test_plain_ascii_is_detected_as_ascii():
    assert detect_encoding([b"Lang Son", b"Cao Loc"]) == Detection("ascii", 1.0, ())
    assert detect_encoding([]).encoding == "ascii"


def test_valid_utf8_is_detected_as_utf8():
    detection = detect_encoding([name.encode("utf-8") for name in VILLAGE_NAMES])
    assert detection == Detection("utf-8", 1.0, ())


@pytest.mark.parametrize("encoding", LEGACY_ENCODINGS)
def test_each_legacy_encoding_is_detected_on_a_column_of_names(encoding):
    detection = detect_encoding([encode_legacy(name, encoding) for name in COMMUNES])
    assert detection.encoding == encoding
    assert detection.undecided_rows == ()
    assert 0 < detection.confidence <= 1


def test_a_name_that_reads_well_in_two_encodings_is_undecided():
    # "Xã An Sơn" in TCVN3 reads as "Xở An Sển" in VISCII: two different plausible texts.
    detection = detect_encoding([encode_legacy("Xã An Sơn", "tcvn3")])
    assert detection.encoding is None
    assert detection.undecided_rows == (0,)


def test_bytes_that_read_as_no_vietnamese_are_undecided():
    detection = detect_encoding([b"plain", b"\x80\x81\x82"])
    assert detection == Detection(None, 0.0, (1,))


def test_utf8_misread_as_windows_1252_is_detected_as_mojibake():
    samples = ["LaÌ£ng SÆ¡n".encode(), "Há»¯u LÅ©ng".encode()]
    assert detect_encoding(samples).encoding == "utf-8-mojibake"
    assert decode_legacy(samples[0], "utf-8-mojibake") == "Lạng Sơn"


# --- repairing frames ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "encoding"), [
    ("villages_tcvn3.csv", "tcvn3"), ("villages_vni.csv", "vni"),
    ("villages_viscii.csv", "viscii"), ("villages_utf8_mojibake.csv", "utf-8-mojibake"),
])
def test_legacy_village_files_are_converted_to_unicode(name, encoding):
    frame = read_raw(name)
    before = frame.copy()
    report = repair_text_columns(frame)
    assert report.problems == []
    assert report.encodings == {"ma_thon": "ascii", "ten_thon": encoding, "xa": encoding,
                                "dan_so": "ascii", "ghi_chu": "ascii"}
    assert report.frame["ten_thon"].tolist() == VILLAGE_NAMES
    assert report.frame["xa"].tolist() == COMMUNES
    assert all(unicodedata.is_normalized("NFC", v) for v in report.frame["ten_thon"])
    pd.testing.assert_frame_equal(frame, before)  # the input is left alone


def test_a_vni_row_in_a_tcvn3_file_is_reported_with_its_row_and_fields():
    frame = read_raw("villages_mixed_tcvn3_vni.csv")
    report = repair_text_columns(frame)
    assert report.encodings["ten_thon"] == "tcvn3"
    assert [(p.row, p.field) for p in report.problems] == [(5, "ten_thon"), (5, "xa")]
    assert all("VNI" in p.message_en and "VNI" in p.message_vi for p in report.problems)
    # The undecided value stays exactly as read; every other row is converted.
    assert report.frame.loc[3, "ten_thon"] == frame.loc[3, "ten_thon"]
    expected = VILLAGE_NAMES[:3] + VILLAGE_NAMES[4:]
    assert report.frame["ten_thon"].drop(index=3).tolist() == expected


def test_undecidable_names_are_problems_and_never_guessed():
    frame = read_raw("names_undecidable.csv")
    report = repair_text_columns(frame)
    assert report.encodings == {"ma": "ascii", "ten": None}
    assert [(p.row, p.field) for p in report.problems] == [(2, "ten"), (3, "ten"), (4, "ten"),
                                                           (5, "ten")]
    pd.testing.assert_frame_equal(report.frame, frame)
    ambiguous, unreadable = report.problems[0], report.problems[-1]
    assert "TCVN3" in ambiguous.message_en and "VISCII" in ambiguous.message_en
    assert "Không xác định được bảng mã" in ambiguous.message_vi
    assert "not readable" in unreadable.message_en
    assert "không đọc được" in unreadable.message_vi


def test_a_problem_becomes_a_legacy_encoding_error_in_both_languages():
    problem = repair_text_columns(read_raw("names_undecidable.csv")).problems[0]
    error = LegacyEncoding.from_problem(problem)
    assert isinstance(error, LegacyEncoding)
    assert (error.row, error.field) == (2, "ten")
    assert error.user_msg == problem.message_en
    assert error.user_msg_vi == problem.message_vi
    assert error.user_msg != error.user_msg_vi


def test_row_offset_sets_the_reported_row_numbers():
    report = repair_text_columns(read_raw("names_undecidable.csv"), row_offset=11)
    assert [p.row for p in report.problems] == [11, 12, 13, 14]


def test_a_column_too_short_to_decide_takes_the_encoding_of_the_file():
    frame = pd.DataFrame({"ten": [encode_legacy(n, "tcvn3").decode("latin-1") for n in COMMUNES],
                          "ghi_chu": [None] * 7 + [encode_legacy("Xã An Sơn", "tcvn3")
                                                   .decode("latin-1")]})
    report = repair_text_columns(frame)
    assert report.encodings == {"ten": "tcvn3", "ghi_chu": "tcvn3"}
    assert report.problems == []
    assert report.frame.loc[7, "ghi_chu"] == "Xã An Sơn"


def test_text_that_is_already_unicode_and_other_values_pass_through():
    frame = pd.DataFrame({"ten": ["Lạng Sơn", None, unicodedata.normalize("NFD", "Cao Lộc")],
                          "so": [1, 2, 3]})
    report = repair_text_columns(frame)
    assert report.encodings == {"ten": "utf-8"}
    assert report.frame["ten"].tolist()[0] == "Lạng Sơn"
    assert report.frame["ten"].isna().tolist() == [False, True, False]
    assert report.frame["ten"].tolist()[2] == "Cao Lộc"
    assert report.frame["so"].tolist() == [1, 2, 3]


def test_only_the_named_columns_are_repaired():
    frame = read_raw("villages_tcvn3.csv")
    report = repair_text_columns(frame, columns=["xa"])
    assert list(report.encodings) == ["xa"]
    assert report.frame["xa"].tolist() == COMMUNES
    assert report.frame["ten_thon"].tolist() == frame["ten_thon"].tolist()


def test_decomposed_names_are_normalised_to_nfc_and_counted():
    frame = pd.read_csv(DATA / "names_nfd.csv", encoding="utf-8", dtype=str)
    assert not unicodedata.is_normalized("NFC", frame.loc[0, "ten"])
    report = normalize_nfc_columns(frame)
    assert report.changed == 2
    assert report.frame["ten"].tolist() == ["Lạng Sơn", "Cao Lộc", "Hữu Lũng", "Dinh Lap"]
    assert all(unicodedata.is_normalized("NFC", v) for v in report.frame["ten"])


def test_decomposed_utf8_read_as_latin1_is_repaired_to_nfc():
    report = repair_text_columns(read_raw("names_nfd.csv"))
    assert report.encodings["ten"] == "utf-8"
    assert report.frame["ten"].tolist() == ["Lạng Sơn", "Cao Lộc", "Hữu Lũng", "Dinh Lap"]


@pytest.mark.parametrize("module", [geodata.encodings, geodata.encoding_tables])
def test_encoding_doctests_pass(module):
    failures, tested = doctest.testmod(module)
    assert tested > 0
    assert failures == 0
