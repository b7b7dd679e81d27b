"""Entry point for `flask --app app` and gunicorn (`app:create_app()`)."""

from resilience import create_app

app = create_app()
