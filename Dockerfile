# The CSAS-graph API and UI. Neo4j runs in its own container (docker-compose.yml).
FROM python:3.11-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 csas
WORKDIR /app
COPY pyproject.toml README.md ./
COPY csas_graph csas_graph
COPY ingest ingest
COPY cypher cypher
COPY api api
COPY viz viz
RUN pip install --no-cache-dir .
USER csas
EXPOSE 8000
CMD ["csas", "serve"]
