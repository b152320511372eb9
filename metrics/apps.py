from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = _("Numbers")

    def ready(self):
        # goals pages and rules that involve numbers over time ask metrics through goals.hooks.
        from goals import hooks
        from metrics import pages, warming, webhooks

        pages.register()
        webhooks.connect_signals()
        hooks.register_data_changed(warming.schedule)
