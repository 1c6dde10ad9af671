"""The HTML pages: one blueprint module per resource."""
