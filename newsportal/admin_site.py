"""The admin site: password login guarded by django-axes, plus optional TOTP two-factor.

A staff member turns two-factor on by confirming an authenticator app on the
"两步验证" page; from then on the admin login asks that account for a code.
OTP_REQUIRED_FOR_STAFF=1 makes a code mandatory for every staff account (those without
an authenticator are sent to set one up before they see anything else).
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, user_has_device
from django_otp.admin import OTPAdminAuthenticationForm

from articles import ratelimit


def is_verified(user):
    return bool(getattr(user, "is_verified", lambda: False)())


class StaffLoginForm(OTPAdminAuthenticationForm):
    """The admin login: the code is asked only of accounts that have an authenticator."""

    otp_device = forms.CharField(required=False, widget=forms.Select)
    otp_token = forms.CharField(
        label=_("动态验证码"),
        required=False,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
        help_text=_("已开启两步验证的账号，请填写身份验证器显示的6位数字。"),
    )
    otp_error_messages = {
        **OTPAdminAuthenticationForm.otp_error_messages,
        "token_required": _("此账号已开启两步验证，请填写动态验证码。"),
        "invalid_token": _("动态验证码不正确或已过期，请重新输入。"),
        "device_required": _("请选择身份验证器。"),
    }

    def clean(self):
        # Password first: django-axes counts failures inside authenticate().
        self.cleaned_data = AdminAuthenticationForm.clean(self)
        user = self.get_user()
        if user is not None and user_has_device(user, confirmed=True):
            self.clean_otp(user)
        return self.cleaned_data

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None:
            # Most people have one authenticator; only several need a choice.
            devices = list(devices_for_user(user, for_verify=True))
            if len(devices) == 1:
                device = devices[0]
        return device


class NewsAdminSite(admin.AdminSite):
    site_header = _("新闻网管理后台")
    site_title = _("新闻网管理后台")
    login_form = StaffLoginForm
    login_template = "admin/login_otp.html"

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        # Accounts with an authenticator can only sign in with a code (StaffLoginForm).
        return is_verified(request.user) or not settings.OTP_REQUIRED_FOR_STAFF

    def needs_enrolment(self, request):
        user = request.user
        return (
            settings.OTP_REQUIRED_FOR_STAFF
            and user.is_active
            and user.is_staff
            and not is_verified(user)
            and not user_has_device(user, confirmed=True)
        )

    def login(self, request, extra_context=None):
        if request.user.is_authenticated and self.needs_enrolment(request):
            return HttpResponseRedirect(reverse("admin:two_factor", current_app=self.name))
        if request.method == "POST":
            refused = ratelimit.check(request, "login", limit=20, window=300)
            if refused is not None:
                return refused
        return super().login(request, extra_context)

    def get_urls(self):
        from newsportal.two_factor import two_factor_view

        extra = [path("two-factor/", two_factor_view(self), name="two_factor")]
        return extra + super().get_urls()


def lockout_response(request, original_response=None, credentials=None):
    """django-axes lockout: the same 429 + Retry-After as every other limit."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 3600
    return ratelimit.too_many_requests(
        seconds, gettext("登录失败次数过多，账号已暂时锁定，请稍后再试。")
    )
