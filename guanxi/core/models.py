"""Core holds no domain models; shared tables (the cache) are created by its migrations."""
