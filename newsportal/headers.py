"""Security response headers that Django does not set by itself.

- Content-Security-Policy comes from django-csp (settings.CONTENT_SECURITY_POLICY); the
  subclass here also allows, by hash, the one inline script the admin needs: the import
  map django-prose-editor renders for its ES modules. A hash allows exactly that JSON,
  so nothing injected next to it can run. The admin also accepts inline <style>
  elements (the editor injects one); public pages accept neither.
- Permissions-Policy switches off browser features a news site never uses.
"""

import base64
import functools
import hashlib
import re

from csp.middleware import CSPMiddleware
from django.conf import settings

_INLINE_SCRIPT = re.compile(r"<script[^>]*>(.*?)</script>", re.DOTALL)


def script_hash(source):
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


@functools.cache
def admin_script_hashes():
    """Hashes of the inline scripts the admin's own widgets render (computed once)."""
    from django_prose_editor.widgets import prose_editor_admin_media

    rendered = "".join(prose_editor_admin_media.render_importmap())
    return tuple(script_hash(body) for body in _INLINE_SCRIPT.findall(rendered))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(f"/{settings.ADMIN_URL}"):
            update = dict(parts.update or {})
            update["script-src"] = [*update.get("script-src", ()), *admin_script_hashes()]
            # The editor (Tiptap) injects its base stylesheet as a <style> element with
            # no way to pass a nonce through django-prose-editor. Styles cannot run code,
            # so the admin allows inline <style> elements; scripts stay strict.
            update["style-src-elem"] = ["'self'", "'unsafe-inline'"]
            parts.update = update
        return parts


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allow)})"
            for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
