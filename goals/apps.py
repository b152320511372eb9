from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = _("Goals")

    def ready(self):
        # Connects the receiver that fills in who, why and what changed on each history row.
        from goals import checks, history  # noqa: F401 (checks registers the checks of stored dates)

        # Clears the agreements on a hand-off KPI's definition when the history records a new one.
        from goals.discussion import agreements  # noqa: F401
