"""Rendering: report.md, figures and the files an analysis writes."""
