"""Fixtures shared by every test: the emulator and loopback backends."""

pytest_plugins = ["tests.emulator.fixtures"]
