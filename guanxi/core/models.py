"""Core holds no models: its one table is the cache table, created by its first migration.

(The holiday schedule that was here is `guanxi.holidays`; its table kept its name.)
"""
