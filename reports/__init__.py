"""Rendering of results: JSON, Markdown, tables."""
