from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "warroom.communities"
    label = "communities"
    verbose_name = "communities"
