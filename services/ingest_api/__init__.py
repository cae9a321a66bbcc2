"""HTTP ingest: ``POST /articles`` for systems that do not speak Kafka (faust-free)."""
