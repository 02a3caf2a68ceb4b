"""Photo handling: upload validation, metadata, renditions and their storage.

Uploads go through `validation.inspect_upload` (never trust the browser), the pixels are
normalised once (`normalise.to_display_image`), and `services.store_photo` writes the
sanitised original and every rendition through Django's storage API before the row.
"""
