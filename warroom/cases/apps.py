from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "warroom.cases"
    label = "cases"
    verbose_name = _("Case management")

    def ready(self) -> None:
        from warroom.cases.integration import register

        register()
