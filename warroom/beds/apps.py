from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BedsConfig(AppConfig):
    name = "warroom.beds"
    label = "beds"
    verbose_name = _("Beds")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from warroom.beds.services import register_daily_steps

        register_daily_steps()
