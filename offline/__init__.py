"""Engine simulation for offline runs (`python -m offline`, see runner.py for what is and is not simulated).

program.py evaluates the real program under recording mocks; provider_server.py drives dynamic providers
through the SDK's real provider server; engine.py and steps.py are the engine's steps, state.py and
secret_box.py its state file, refresh.py the refresh; emulator.py, portal.py and trial.py point runs at the
offline emulator, make portal-like changes and walk a newcomer through it all; cli.py and report.py are the
command line.
"""
