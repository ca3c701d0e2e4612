"""FireWorks templates for clusters, shipped as package data (``nasx templates DIR`` copies them)."""
