"""Test support shared by every app: the test organization and fixtures (`base`), factories.

Outside the layering: it may import every app, and no production module imports it.
"""
