"""Entry point for `flask --app app` and gunicorn (`app:create_app()`); the factory is
resilience/app.py."""

from resilience.app import create_app

app = create_app()
