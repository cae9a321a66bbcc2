"""``python -m ingest_api`` serves ``POST /articles`` until SIGTERM/SIGINT."""

import logging

from aiohttp import web

from ingest_api.app import make_app
from ingest_api.settings import IngestSettings

if __name__ == "__main__":
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = IngestSettings()
    web.run_app(make_app(settings), host=settings.host, port=settings.port, shutdown_timeout=5)
