"""Every value a form or an import asks for says, in both languages, what it means here."""

from __future__ import annotations

import pytest

from layers import CATALOGUE


@pytest.mark.parametrize("layer", CATALOGUE, ids=lambda layer: layer.id)
def test_every_field_has_help_in_both_languages(layer):
    missing = [
        (field.name, language)
        for field in layer.fields
        for language, text in (("vi", field.help_vi), ("en", field.help_en))
        if not text.strip()
    ]
    assert missing == []


@pytest.mark.parametrize("layer", CATALOGUE, ids=lambda layer: layer.id)
def test_status_and_progress_help_name_this_layer(layer):
    for vi, en in (
        (layer.status_help_vi, layer.status_help_en),
        (layer.progress_help_vi, layer.progress_help_en),
    ):
        assert vi.strip() and en.strip()
        assert vi != en


def test_progress_help_differs_between_layers():
    texts = [layer.progress_help_en for layer in CATALOGUE]
    assert len(set(texts)) == len(texts)


def test_description_fields_are_multiline_outside_the_geopark():
    described = {layer.id for layer in CATALOGUE for f in layer.fields if f.multiline}
    assert described >= {"industry", "border", "signal", "housing", "transport"}
