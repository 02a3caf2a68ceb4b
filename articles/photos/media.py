"""Serving /media/ in development with the headers production's nginx/S3 setup sends.

Only used when DEBUG (see newsportal/urls.py). Every response gets
`X-Content-Type-Options: nosniff` and a content type decided by our own extension list;
anything else is sent as a download, so a file can never be rendered as HTML or script.
"""

from django.views.static import serve

IMAGE_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
}


def serve_media(request, path, document_root=None, show_indexes=False):
    response = serve(request, path, document_root=document_root, show_indexes=False)
    extension = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if extension in IMAGE_TYPES:
        response["Content-Type"] = IMAGE_TYPES[extension]
    else:
        response["Content-Type"] = "application/octet-stream"
        response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    # Even if HTML slipped into media, it would run with no origin and no scripts.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
