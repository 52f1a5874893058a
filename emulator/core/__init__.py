"""Service-independent parts of the emulator: clock, tokens, faults, limits, request log, base service."""
