"""An offline emulator of the Microsoft APIs the hand-off uses (Entra ID, Microsoft Graph, ARM Bot Service,
the Dataverse Web API with the Omnichannel and Copilot Studio tables), speaking their wire formats over
HTTPS on loopback. It lives with the tests: the product never imports it. See README.md beside this file.
"""

from .server import Emulator

__all__ = ["Emulator"]
