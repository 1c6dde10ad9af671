"""Spatial core of the portal: boundaries, coordinate systems, spatial joins. No Flask here."""
