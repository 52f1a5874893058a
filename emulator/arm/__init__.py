"""Azure Resource Manager, limited to Microsoft.BotService bots and their channels."""

from .routes import ArmService

__all__ = ["ArmService"]
