"""Entra ID: tenant discovery and the client-credentials token endpoint, over the shared directory."""

from .routes import EntraService

__all__ = ["EntraService"]
