"""Aggregator service: events topic → incidents table (changelog-backed) → live counters."""
