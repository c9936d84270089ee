"""Guanxi (关系): an open-source CRM."""
