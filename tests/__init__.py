"""Test suite of the hand-off project (see docs/architecture.md for its layers)."""
