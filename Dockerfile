FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY norec_portal/__init__.py norec_portal/
RUN pip install --no-cache-dir -e .
COPY . .
RUN DJANGO_ENV=development python manage.py collectstatic --no-input
RUN DJANGO_ENV=development python manage.py compile_translations
EXPOSE 8000
CMD ["gunicorn", "norec_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
