"""Scripts that print figures (time, memory, request counts); never timed tests."""
