"""Admin for regions: searchable, so the dateline field can autocomplete 温州 → 浙江 › 温州."""

from django.contrib import admin

from articles.models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "full_name", "kind", "parent", "slug"]
    list_filter = ["kind"]
    list_select_related = ["parent"]
    search_fields = ["name", "full_name", "slug"]
    autocomplete_fields = ["parent"]
    ordering = ["position", "id"]

    def get_search_results(self, request, queryset, search_term):
        # Region.__str__ shows the province, so autocomplete results need the parent row.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.select_related("parent"), may_have_duplicates
