from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "warroom.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from warroom.core import lookups  # noqa: F401  (registers field__under)
