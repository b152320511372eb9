from django.contrib import admin

from goals import history
from goals.forms.fields import AdminForm
from goals.models import (
    ActionItem,
    ChangeAction,
    Comment,
    Department,
    Guest,
    Initiative,
    LegacyChange,
    Membership,
    Node,
    Tree,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    form = AdminForm
    extra = 1


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    form = AdminForm
    list_display = ["name", "position"]
    inlines = [MembershipInline]


class RecordedAdmin(admin.ModelAdmin):
    """Saves and deletes here are recorded in the history as the admin's, and change the tree's data version."""

    form = AdminForm

    def save_model(self, request, obj, form, change):
        with history.recorded_as(request.user, ChangeAction.UPDATE if change else ChangeAction.CREATE):
            super().save_model(request, obj, form, change)
        Tree.bump_data_version(obj.tree_id if isinstance(obj, Node) else obj.pk)

    def delete_model(self, request, obj):
        tree_id = obj.tree_id if isinstance(obj, Node) else None
        with history.recorded_as(request.user, ChangeAction.DELETE):
            super().delete_model(request, obj)
        if tree_id is not None:
            Tree.bump_data_version(tree_id)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Tree)
class TreeAdmin(RecordedAdmin):
    list_display = ["name", "code", "department", "period_start", "period_end"]
    search_fields = ["name", "code"]


@admin.register(Node)
class NodeAdmin(RecordedAdmin):
    list_display = ["name", "code", "tree", "parent", "department", "target", "archived_at"]
    list_filter = ["tree", "department"]
    search_fields = ["name", "code"]
    list_select_related = ["tree", "parent", "department"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    form = AdminForm
    list_display = ["created_at", "node", "author", "to_department", "answered_at", "deleted_at"]
    list_select_related = ["node", "author", "to_department"]
    raw_id_fields = ["node", "parent", "author", "answered_by"]


@admin.register(Guest)
class GuestAdmin(admin.ModelAdmin):
    """Guests (external advisors): the trees each one is invited to. The account itself is an ordinary user
    without staff rights or department (docs/permissions.md)."""

    form = AdminForm
    list_display = ["user", "organisation", "created_at"]
    filter_horizontal = ["trees"]
    raw_id_fields = ["user"]


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    form = AdminForm
    list_display = ["text", "tree", "week", "owner", "due_date", "done_at"]
    list_select_related = ["tree", "owner"]


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    """Recorded once its KPIs are saved, as the initiative pages record it (Initiative.save_with_kpis)."""

    form = AdminForm

    def save_model(self, request, obj, form, change):
        obj.skip_history_when_saving = True
        try:
            super().save_model(request, obj, form, change)
        finally:
            del obj.skip_history_when_saving

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        with history.recorded_as(request.user, ChangeAction.UPDATE if change else ChangeAction.CREATE):
            form.instance.record_history(created=not change)

    def delete_model(self, request, obj):
        with history.recorded_as(request.user, ChangeAction.DELETE):
            super().delete_model(request, obj)


@admin.register(LegacyChange)
class LegacyChangeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "tree", "node_code", "action", "user"]
    list_select_related = ["tree", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
