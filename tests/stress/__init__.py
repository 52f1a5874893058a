"""Stress suites (issue 8): faults on every request, bad input, secrets, concurrency."""
