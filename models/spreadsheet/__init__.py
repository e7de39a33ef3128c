"""Spreadsheets in and out: reading uploads (``reading``), normalising their cells (``cells``)."""
