"""The embedded demo: ``cur-desktop --demo`` starts a seeded local server and an operator."""
