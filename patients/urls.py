"""Routes of the patients layer's API: staff tokens and patient enrollment."""

urlpatterns = []
