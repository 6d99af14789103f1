# Seasight services image (ingest, tracker, dashboard, sightings API, one-shot migrations). Configuration comes
# from SEASIGHT_* environment variables only; see docker-compose.yml. Installs the exact versions of
# requirements/production.lock (hash-checked) and the dashboard and api extras: no test tools, and not the
# embedded local stack's broker (production uses Apache Kafka).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

WORKDIR /opt/seasight
COPY requirements/production.lock ./requirements/production.lock
RUN pip install --require-hashes -r requirements/production.lock
COPY pyproject.toml README.md ./
COPY seasight ./seasight
COPY ingest ./ingest
COPY tracking ./tracking
COPY coordination ./coordination
COPY dashboard ./dashboard
COPY geodata ./geodata
RUN pip install --no-deps '.[dashboard,api]' \
 && pip check \
 && python -c "from dashboard.assets import install_static_assets; install_static_assets()" \
 && useradd --system --home-dir /opt/seasight --shell /usr/sbin/nologin seasight \
 && install -d -o seasight -m 0700 /var/lib/seasight/ingest-buffer

USER seasight
EXPOSE 8501
CMD ["seasight", "--help"]
