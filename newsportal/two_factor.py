"""Self-service two-factor setup for staff: scan a QR code, confirm one code, done.

Until a code is confirmed the authenticator is only a draft and changes nothing; once
confirmed, the account's admin logins ask for a code (see newsportal.admin_site).
"""

from base64 import b32encode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("动态验证码"),
        regex=r"^\d{6,8}$",
        error_messages={"invalid": _("请输入身份验证器显示的6位数字。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _draft_device(user):
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)


def two_factor_view(site):
    @never_cache
    @csrf_protect
    def view(request):
        user = request.user
        # Not admin_view(): with OTP_REQUIRED_FOR_STAFF an account without an
        # authenticator has no admin permission yet, and this page is how it gets one.
        if not (user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        enabled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        device = None if enabled else _draft_device(user)
        form = TokenForm(request.POST or None)
        if device is not None and request.method == "POST" and form.is_valid():
            if device.verify_token(form.cleaned_data["token"]):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                otp_login(request, device)
                messages.success(request, _("两步验证已开启，以后登录后台需要填写动态验证码。"))
                return HttpResponseRedirect(reverse("admin:index", current_app=site.name))
            form.add_error("token", _("动态验证码不正确，请核对手机时间后重新输入。"))
        context = {
            **site.each_context(request),
            "title": _("两步验证"),
            "enabled": enabled,
            "form": form,
        }
        if device is not None:
            # segno's SVG is plain markup with presentation attributes: no script, no style.
            context["qr_svg"] = mark_safe(segno.make(device.config_url).svg_inline(scale=4))
            context["secret"] = b32encode(device.bin_key).decode()
        return TemplateResponse(request, "admin/two_factor.html", context)

    return view
