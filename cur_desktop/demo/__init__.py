"""Realistic data generation and the embedded server start for ``--demo``."""
