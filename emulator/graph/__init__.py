"""Microsoft Graph v1.0: applications, secrets, federated identity credentials, service principals."""

from .routes import GraphService

__all__ = ["GraphService"]
