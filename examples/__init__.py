"""Bundled model specs and their data files (installed as package data of qmlc.examples)."""
