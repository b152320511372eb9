from django.contrib import admin

from goals.models import ChangeRecord, Comment, Department, Initiative, Membership, Node, Tree


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    inlines = [MembershipInline]


@admin.register(Tree)
class TreeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "department", "period_start", "period_end"]
    search_fields = ["name", "code"]


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "tree", "parent", "department", "target", "archived_at"]
    list_filter = ["tree", "department"]
    search_fields = ["name", "code"]
    list_select_related = ["tree", "parent", "department"]


admin.site.register(Comment)
admin.site.register(Initiative)


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    list_display = ["created_at", "tree", "node_code", "action", "user"]
    list_select_related = ["tree", "user"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
