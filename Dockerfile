# Recovery Hub: one image for the API (`recovery-hub serve`), the job worker (`recovery-hub
# worker`) and the migrations (`recovery-hub db upgrade`). docs/operations.md#deployment.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY core core
COPY schema schema
COPY auth auth
COPY plugins plugins
COPY recovery_hub recovery_hub
RUN python -m venv /venv && /venv/bin/pip install -c constraints.txt .

FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --home-dir /app --create-home recovery-hub
COPY --from=build /venv /venv
WORKDIR /app
COPY plugins.toml ./
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    RECOVERY_HUB_PLUGINS_FILE=/app/plugins.toml
USER recovery-hub
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# SIGTERM: requests in flight finish (RECOVERY_HUB_SHUTDOWN_GRACE_SECONDS), then it stops.
STOPSIGNAL SIGTERM
CMD ["recovery-hub", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
