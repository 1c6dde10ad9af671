"""Printable documents: the PDF renderer and what it draws (report cards, briefings)."""
