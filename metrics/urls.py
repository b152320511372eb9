from django.urls import path  # noqa: F401

app_name = "metrics"

urlpatterns = [
    # Each area adds its own block of patterns below.
]
