"""Use cases: each takes a session and ports, checks permissions and writes the audit log."""
