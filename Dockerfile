# The service's image: web (gunicorn), worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var \
    LOG_FORMAT=json

WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The translation catalogues compiled (.po to .mo, pure Python); static files are served by whitenoise
# from the image; the build-time key signs nothing.
RUN python -m config.catalogues \
    && SECRET_KEY=collectstatic-only-build-key-0123456789abcdefghijklmnop python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var && chown -R app:app /app/var

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--config", "python:config.gunicorn", "--worker-class", "gthread", "--threads", "4"]
