# One image for the web server, the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=hangzhou_cfc.settings.production \
    DJANGO_VAR_DIR=/app/var

WORKDIR /app

# The PDF annual report embeds this Chinese font (reports/exports.py).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*

COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY manage.py ./
COPY hangzhou_cfc ./hangzhou_cfc
COPY groups ./groups
COPY places ./places
COPY suggestions ./suggestions
COPY activities ./activities
COPY reports ./reports
COPY privacy ./privacy
COPY audit ./audit
COPY imports ./imports
COPY messaging ./messaging
COPY home ./home
COPY templates ./templates
COPY static ./static
COPY locale ./locale

# Hashed, compressed static files, built once into the image. The values below exist only so that
# the settings load during the build; the real ones come from the environment at run time.
RUN DJANGO_SECRET_KEY=collectstatic-only \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    PERSONAL_DATA_KEYS=collectstatic-only \
    python manage.py collectstatic --noinput \
 && useradd --system --home /app app \
 && mkdir -p /app/var/media \
 && chown -R app /app/var

USER app
EXPOSE 8000
CMD ["gunicorn", "hangzhou_cfc.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
