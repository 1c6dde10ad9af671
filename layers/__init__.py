"""The catalogue of thematic layers: one module per layer, listed in ``CATALOGUE``."""

from __future__ import annotations

from layers import border, geopark, housing, industry, signal, transport
from layers.base import LayerSpec

CATALOGUE: tuple[LayerSpec, ...] = (
    industry.LAYER,
    border.LAYER,
    geopark.LAYER,
    signal.LAYER,
    housing.LAYER,
    transport.LAYER,
)


class UnknownLayer(LookupError):
    """Raised when a layer id is not in the catalogue."""

    def __init__(self, layer_id: str) -> None:
        super().__init__(layer_id)
        self.layer_id = layer_id


def get_layer(layer_id: str) -> LayerSpec:
    """Return the layer called ``layer_id``; raise ``UnknownLayer`` if there is none."""
    for layer in CATALOGUE:
        if layer.id == layer_id:
            return layer
    raise UnknownLayer(layer_id)
