"""Settings for `make bench-api`: the service's own settings, with a URL conf that adds the bare view."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
