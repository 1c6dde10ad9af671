import doctest
import unicodedata

import geodata.text
from geodata.text import fold, nfc


def test_nfc_composes_decomposed_input_and_collapses_whitespace():
    decomposed = unicodedata.normalize("NFD", "  Lạng   Sơn \n")
    assert decomposed != "Lạng Sơn"
    assert nfc(decomposed) == "Lạng Sơn"
    assert unicodedata.is_normalized("NFC", nfc(decomposed))


def test_fold_strips_vietnamese_diacritics():
    assert fold("Lạng Sơn") == "lang son"
    assert fold("Hữu Lũng") == "huu lung"
    assert fold("Lộc Bình") == "loc binh"


def test_fold_maps_d_with_stroke_to_d():
    assert fold("Đồng Đăng") == "dong dang"
    assert fold("đình lập") == "dinh lap"


def test_fold_gives_the_same_key_for_nfc_and_nfd_input():
    name = "Thành phố Lạng Sơn"
    assert fold(unicodedata.normalize("NFD", name)) == fold(name) == "thanh pho lang son"


def test_fold_collapses_whitespace_and_lowercases():
    assert fold("  CHI   LĂNG\t") == "chi lang"


def test_text_doctests_pass():
    failures, tested = doctest.testmod(geodata.text)
    assert tested > 0
    assert failures == 0
