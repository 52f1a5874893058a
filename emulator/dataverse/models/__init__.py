"""State and rules of the emulated Dataverse environments (no HTTP here)."""
