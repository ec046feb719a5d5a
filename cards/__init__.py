"""Adaptive Card builders: data in, card JSON (schema 1.5) out; no I/O."""
