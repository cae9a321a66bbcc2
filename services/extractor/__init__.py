"""Extractor service: articles topic → extraction library → events topic (bad input → DLQ)."""
