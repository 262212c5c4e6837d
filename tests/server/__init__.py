"""Tests of the central server (cur_desktop.server) and the shared mutation rules."""
