"""The JSON API: one blueprint module per resource."""
