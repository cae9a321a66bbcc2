"""Extractor metrics, on the service's own registry (faust apps must not share one)."""

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

# The *_created series double the output and no dashboard uses them.
disable_created_metrics()


class ExtractorMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.articles = Counter(
            "lagebild_articles_consumed_total",
            "Articles read from the articles topic, by outcome.",
            # processed | revised (same id, new text) | dead_lettered | unsupported_language
            ["outcome"],
            registry=self.registry,
        )
        self.events = Counter(
            "lagebild_events_produced_total",
            "Events published to the events topic, by event type.",
            ["type"],
            registry=self.registry,
        )
        self.send_failures = Counter(
            "lagebild_event_send_failures_total",
            "Sends of events or dead letters that failed after the producer's retries; each is "
            "sent again (its article stays uncommitted) or, if it never can succeed, the "
            "article is dead-lettered.",
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "lagebild_dead_letters_total",
            "Messages sent to the dead-letter topic, by stage and reason.",
            ["stage", "reason"],
            registry=self.registry,
        )
        self.truncated = Counter(
            "lagebild_articles_truncated_total",
            "Articles whose text was shortened or re-split to fit the extraction budget.",
            registry=self.registry,
        )
        self.extraction_seconds = Histogram(
            "lagebild_extraction_duration_seconds",
            "Time the extraction library spent on one article.",
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
