"""The admin login: axes lockouts, the login rate limit, optional TOTP two-factor, the path."""

import importlib
from types import SimpleNamespace

import pytest
from django.urls import clear_url_caches, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles import ratelimit
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery-staple"


def current_code(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def login(client, username, password=PASSWORD, **extra):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index"), **extra},
        REMOTE_ADDR="198.51.100.7",
    )


def logged_in(client):
    return client.get(reverse("admin:index")).status_code == 200


@pytest.fixture
def staff(db):
    return UserFactory(username="desk", is_superuser=True)


@pytest.fixture
def staff_with_authenticator(staff):
    return TOTPDevice.objects.create(user=staff, name="手机", confirmed=True)


def test_staff_without_two_factor_log_in_with_their_password(client, staff):
    response = login(client, "desk")
    assert response.status_code == 302
    assert logged_in(client)


def test_the_login_form_offers_the_code_field(client, db):
    html = client.get(reverse("admin:login")).content.decode()
    assert 'name="otp_token"' in html
    assert 'autocomplete="one-time-code"' in html


def test_repeated_wrong_passwords_lock_the_username_out_with_a_429(client, staff, settings):
    """The AXES_FAILURE_LIMIT-th failure locks; then even the right password is refused."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "desk", "wrong-password").status_code == 200
    assert login(client, "desk", "wrong-password").status_code == 429
    response = login(client, "desk")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert "登录失败次数过多" in response.content.decode()
    assert not logged_in(client)


def test_a_lockout_does_not_lock_other_accounts(client, staff):
    UserFactory(username="other-desk", is_superuser=True)
    for _ in range(6):
        login(client, "desk", "wrong-password")
    assert login(client, "other-desk").status_code == 302


def test_login_posts_are_rate_limited_per_address(client, staff, settings, monkeypatch):
    """Spraying many usernames from one address is slowed down by a plain rate limit."""
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_700_000_100.0))
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (3, 300)}
    statuses = [login(client, f"nobody{n}", "x").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "Retry-After" in login(client, "desk")


def test_an_account_with_an_authenticator_needs_the_code(client, staff_with_authenticator):
    response = login(client, "desk")
    assert response.status_code == 200
    assert "此账号已开启两步验证" in response.content.decode()
    assert not logged_in(client)


def test_a_wrong_code_is_refused(client, staff_with_authenticator):
    wrong = f"{(int(current_code(staff_with_authenticator)) + 1) % 1000000:06d}"
    response = login(client, "desk", otp_token=wrong)
    assert "动态验证码不正确" in response.content.decode()
    assert not logged_in(client)


def test_password_and_code_log_in_verified(client, staff_with_authenticator):
    response = login(client, "desk", otp_token=current_code(staff_with_authenticator))
    assert response.status_code == 302
    assert logged_in(client)


def test_staff_can_turn_two_factor_on_themselves(client, staff):
    """The 两步验证 page shows a QR code; one good code confirms the authenticator."""
    client.force_login(staff)
    url = reverse("admin:two_factor")
    page = client.get(url)
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    response = client.post(url, {"token": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed is True
    # From now on the password alone is not enough.
    client.logout()
    assert login(client, "desk").status_code == 200
    assert not logged_in(client)


def test_a_wrong_code_does_not_turn_two_factor_on(client, staff):
    client.force_login(staff)
    client.get(reverse("admin:two_factor"))
    device = TOTPDevice.objects.get(user=staff)
    wrong = f"{(int(current_code(device)) + 1) % 1000000:06d}"
    response = client.post(reverse("admin:two_factor"), {"token": wrong})
    assert "动态验证码不正确" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False


def test_visiting_the_setup_page_twice_keeps_one_draft(client, staff):
    client.force_login(staff)
    client.get(reverse("admin:two_factor"))
    client.get(reverse("admin:two_factor"))
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_readers_cannot_open_the_setup_page(client, db):
    reader = UserFactory(username="reader", is_staff=False)
    client.force_login(reader)
    response = client.get(reverse("admin:two_factor"))
    assert response.status_code == 302
    assert not TOTPDevice.objects.exists()


def test_required_two_factor_sends_staff_without_one_to_set_it_up(client, staff, settings):
    settings.OTP_REQUIRED_FOR_STAFF = True
    response = login(client, "desk")
    assert response.status_code == 302
    index = client.get(reverse("admin:index"))
    assert index.status_code == 302  # not verified: no admin yet
    assert client.get(index["Location"])["Location"] == reverse("admin:two_factor")
    client.get(reverse("admin:two_factor"))
    device = TOTPDevice.objects.get(user=staff)
    client.post(reverse("admin:two_factor"), {"token": current_code(device)})
    assert logged_in(client)


def test_required_two_factor_refuses_unverified_sessions(client, staff, settings):
    settings.OTP_REQUIRED_FOR_STAFF = True
    client.force_login(staff)
    assert not logged_in(client)


def test_the_admin_path_is_configurable(client, staff, settings):
    import newsportal.urls

    settings.ADMIN_URL = "newsroom-desk-7f3a/"
    try:
        importlib.reload(newsportal.urls)
        clear_url_caches()
        assert reverse("admin:index") == "/newsroom-desk-7f3a/"
        client.force_login(staff)
        response = client.get("/newsroom-desk-7f3a/")
        assert response.status_code == 200
        assert client.get("/admin/").status_code == 404
    finally:
        settings.ADMIN_URL = "admin/"
        importlib.reload(newsportal.urls)
        clear_url_caches()


def test_codes_cannot_be_replayed(client, staff_with_authenticator):
    code = current_code(staff_with_authenticator)
    assert login(client, "desk", otp_token=code).status_code == 302
    client.logout()
    # Still the same 30-second step: a code seen once (shoulder-surfed, phished) is spent.
    assert login(client, "desk", otp_token=code).status_code == 200
