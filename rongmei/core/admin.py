from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from rongmei.core.models import ApiToken, Area, AuditEvent, Center, Department, Membership, OrgUnit, User


def _platform_admins_only(request) -> bool:
    return request.user.is_active and request.user.is_superuser


# Django admin is for platform (province-level) administrators only; centers use the staff UI.
admin.site.has_permission = _platform_admins_only


@admin.register(Center)
class CenterAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "region", "is_active", "created_at"]
    search_fields = ["name", "slug"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class RongmeiUserAdmin(UserAdmin):
    list_display = ["username", "display_name", "is_active", "is_superuser", "is_demo", "last_login"]
    fieldsets = UserAdmin.fieldsets + (("融媒", {"fields": ("display_name", "phone", "is_demo")}),)
    inlines = [MembershipInline]


@admin.register(OrgUnit, Department, Area)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["__str__", "center"]
    list_filter = ["center"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "center", "actor_repr", "action", "object_repr", "ip"]
    list_filter = ["center", "action"]
    search_fields = ["actor_repr", "object_repr", "action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "center", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest"]
