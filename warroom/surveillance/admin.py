from django.contrib import admin

from warroom.core.admin import ReadOnlyScopedAdmin, site
from warroom.surveillance.models import DailyReport


@admin.register(DailyReport, site=site)
class DailyReportAdmin(ReadOnlyScopedAdmin):
    list_display = ["date", "area", "source", "new_confirmed", "cum_confirmed", "under_treatment"]
    list_filter = ["source", "date"]
    list_select_related = ["area"]
    show_full_result_count = False
