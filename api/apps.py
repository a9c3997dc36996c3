"""API plumbing shared by the domain apps' DRF views; it has no models."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    label = "api"
