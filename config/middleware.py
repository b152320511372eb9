"""Middleware of our own."""

from django.utils.cache import patch_cache_control


class PrivateCacheControlMiddleware:
    """What a signed-in person is sent is theirs: no proxy or CDN may keep it (`Cache-Control: private`).

    Downloads (a response naming a file in Content-Disposition: CSV, JSON and tree files) are also `no-store`,
    so that the browser keeps no copy of a workspace's numbers on a shared computer. A view's own Cache-Control
    is kept and only added to.
    Static files never get here: whitenoise answers them earlier, with its far-future public caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if response.has_header("Content-Disposition"):
                patch_cache_control(response, private=True, no_store=True)
            else:
                patch_cache_control(response, private=True)
        return response
