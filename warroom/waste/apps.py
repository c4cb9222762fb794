from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WasteConfig(AppConfig):
    name = "warroom.waste"
    label = "waste"
    verbose_name = _("Medical waste")

    def ready(self) -> None:
        from warroom.core.daily import register_step
        from warroom.waste import services

        register_step(
            "waste.balance",
            services.balance_step,
            label="医疗废物日产日清 / waste: same-day disposal",
        )
