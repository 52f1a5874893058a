"""Engine simulation for offline runs: evaluate the real program under recording mocks (program.py), drive
dynamic providers through the SDK's real provider server (provider_server.py)."""
