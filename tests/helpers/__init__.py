"""Helpers shared by several test modules (fixtures are in the conftest.py files, data sets
in tests/factories.py): import from here, never from another test module."""
