"""Kafka plumbing shared by the services and the CLI (connection, topics, dead letters)."""
