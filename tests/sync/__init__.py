"""Sync tests: the client engine against a real server, fault proxy, CLI."""
