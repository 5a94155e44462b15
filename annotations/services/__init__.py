"""Writes: every change to the domain goes through a function here named `<entity>_<verb>`.

Each is atomic, records an AuditEvent, and schedules background work only after commit.
"""
