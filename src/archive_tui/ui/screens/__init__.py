"""Screens: main (search), error, and the document/help/cite/export screens."""
