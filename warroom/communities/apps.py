from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "warroom.communities"
    label = "communities"
    verbose_name = _("Communities")
