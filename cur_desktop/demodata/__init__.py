"""Realistic demo data generation: used by the server's seeding and by the embedded demo."""
