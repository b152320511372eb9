from django.contrib import admin

from goals.forms.fields import AdminForm
from metrics.entries import set_entry
from metrics.models import Entry, EntryChange


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    """Changes made here go through set_entry, so the history records them with source admin."""

    list_display = ["node", "week", "value", "note", "updated_by", "updated_at"]
    list_filter = ["node__tree"]
    list_select_related = ["node", "node__tree", "updated_by"]
    fields = ["node", "week", "value", "note"]
    form = AdminForm

    def save_model(self, request, obj, form, change):
        node = obj.node if not change else Entry.objects.get(pk=obj.pk).node
        saved = set_entry(node, obj.week, obj.value, user=request.user, source=EntryChange.Source.ADMIN, note=obj.note)
        obj.pk = saved.pk if saved else obj.pk

    def delete_model(self, request, obj):
        set_entry(obj.node, obj.week, None, user=request.user, source=EntryChange.Source.ADMIN)

    def delete_queryset(self, request, queryset):
        for entry in queryset.select_related("node"):
            self.delete_model(request, entry)


@admin.register(EntryChange)
class EntryChangeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "node", "week", "old_value", "new_value", "user", "source"]
    list_select_related = ["node", "user"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
