"""``python -m aggregator`` runs one aggregator worker."""

from aggregator.app import app, settings
from lagebild.kafka.faust_app import run_worker

if __name__ == "__main__":
    run_worker(app, settings.worker.loglevel)
