# Pilot Coach: HTTP server (Slack, Teams, webhooks) and scheduler in one process.
# docker build -t pilot-coach . && docker compose up -d   (see README "Run in production")
FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
RUN python -m venv /venv && /venv/bin/pip install --require-hashes -r requirements.lock
COPY bot ./bot
COPY adapters ./adapters
COPY playbook ./playbook
COPY storage ./storage
COPY migrations ./migrations
RUN /venv/bin/pip install --no-deps .

FROM python:3.12-slim
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin coach
COPY --from=build /venv /venv
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=3978 \
    LOG_FORMAT=json
USER coach
WORKDIR /home/coach
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3978') + '/healthz', timeout=4); sys.exit(r.status != 200)"]
CMD ["sh", "-c", "pilot-coach db upgrade && exec pilot-coach serve"]
