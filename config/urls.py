from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from config.health import health
from metrics.views.home import home

urlpatterns = [
    path("", home, name="home"),
    path("", include("goals.urls")),
    path("", include("metrics.urls")),
    path("accounts/", include("goals.account_urls")),
    # Single sign-on (goals.accounts.sso): 404 unless SSO_PROVIDERS turns a provider on.
    path("accounts/sso/", include("goals.accounts.sso_urls")),
    # The language switcher works on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
    # The JSON API for integrations (token authentication; metrics.api)
    path("api/v1/", include("metrics.api.urls")),
]

# JSON under /api/, Django's pages elsewhere.
handler400 = "metrics.api.errors.bad_request"
handler403 = "metrics.api.errors.permission_denied"
handler404 = "metrics.api.errors.page_not_found"
handler500 = "metrics.api.errors.server_error"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
