"""An offline emulator of the Microsoft APIs the hand-off uses (Entra ID, Microsoft Graph, ARM Bot Service,
the Dataverse Web API with the Omnichannel and Copilot Studio tables), speaking their wire formats over
HTTPS on loopback. The offline trial, the benchmarks and the tests start it; the program, its providers,
drift and policy never import it. See README.md beside this file.
"""

from .server import Emulator

__all__ = ["Emulator"]
