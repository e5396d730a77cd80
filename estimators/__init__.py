"""Logical and physical resource estimation and scaling fits."""
