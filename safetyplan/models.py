"""Every model of every domain, imported in one place so that the metadata (and Alembic) sees all the tables."""

from safetyplan.crypto.models import DataKey

__all__ = ["DataKey"]
