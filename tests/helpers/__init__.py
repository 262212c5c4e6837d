"""Helpers shared by the tests: real server processes, factories, fault proxies."""
