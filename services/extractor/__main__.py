"""``python -m extractor`` runs one extractor worker."""

from extractor.app import app, settings
from lagebild.kafka.faust_app import run_worker

if __name__ == "__main__":
    run_worker(app, settings.worker.loglevel)
