# One image for every lagebild process: `python -m extractor`, `python -m aggregator`, and the
# `lagebild` CLI (topics, publish). Runtime dependencies only; the dev extra stays out.
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY services ./services
RUN pip install . \
    && useradd --create-home --uid 10001 lagebild \
    && mkdir -p /data \
    && chown lagebild /data

USER lagebild
# faust's state directory; the state itself lives in changelog topics, so no volume is needed.
ENV LAGEBILD_EXTRACTOR_WORKER__DATADIR=/data/extractor \
    LAGEBILD_AGGREGATOR_WORKER__DATADIR=/data/aggregator
EXPOSE 6066 6067
CMD ["python", "-m", "extractor"]
