# The Tandem worker, for the Docker path (docker-compose.yml). Without Docker, see README: Quick start.
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY tandem ./tandem
COPY streams ./streams
COPY connectors ./connectors
COPY sandbox ./sandbox
RUN pip install --no-cache-dir . && useradd --create-home --uid 1000 tandem && mkdir /data && chown tandem /data

USER tandem
ENV TANDEM_DATA_DIR=/data \
    TANDEM_WEB_BIND=0.0.0.0 \
    TANDEM_WEB_PORT=6066
VOLUME /data
EXPOSE 6066
CMD ["tandem", "worker"]
