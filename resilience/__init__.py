"""Västerbotten resilience map: the domain (analysis, vocabulary, scenarios, energy), its
use-cases (services) and the web service. The app factory is `resilience.app.create_app`;
this package's `__init__` imports nothing, so the domain loads without Flask."""
