# One image for every role: web (gunicorn, the default CMD), worker (celery) and migrate.
# Settings come from the environment only (docs/configuration.md); see docker-compose.yml.

# --- Build stage: compilers are available here if a pinned package has no wheel for this platform -----
FROM python:3.11-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir -r /tmp/requirements.lock

# --- The browser code: the Vite build of frontend/ (the workspace script and the pages' htmx) -----------
FROM node:20-bookworm-slim AS frontend

WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# --- Runtime stage ----------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ORT_DISABLE_TELEMETRY=1 \
    HF_HUB_OFFLINE=1 \
    FACTCHECK_DATA_DIR=/data

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /app /data \
    && chown app:app /data

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
COPY . /app
COPY --from=frontend /frontend/dist /app/frontend/dist
# Git does not keep empty folders; STATICFILES_DIRS must exist or `check --deploy` warns.
RUN mkdir -p /app/frontend/static

# Collect static files into STATIC_ROOT (/app/staticfiles: part of the image, not of the data volume, so
# an upgrade never serves stale files). Throwaway values: with DATABASE_URL and REDIS_URL both set the
# settings connect to nothing at import, so no server is needed here and nothing below is used at run time.
RUN DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost \
    SECRET_KEY=build-only \
    python manage.py collectstatic --noinput \
    && chown -R app:app /data

USER app

EXPOSE 8000

CMD ["gunicorn", "factcheck.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
