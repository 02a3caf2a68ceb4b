"""The photo upload form used by the photo admin.

The file is validated and decoded while the form is cleaned; the raw upload is never
assigned to the model, so nothing the browser sent (name, bytes, metadata) is stored.
Captions and the photographer are pre-filled from IPTC/XMP when the editor left them
empty, and the form comes back once for the editor to confirm them. Saving writes the
renditions first and the row last; if the row cannot be saved the files are removed.
"""

import logging

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from articles.models import Author, Photo
from articles.photos import pending
from articles.photos.metadata import name_candidates
from articles.photos.services import apply_files, prepare_upload, store_photo, write_files
from articles.photos.validation import max_upload_bytes

logger = logging.getLogger(__name__)

ACCEPT = "image/jpeg,image/png,image/webp,image/gif"


def match_author(credit):
    """(author, None) for the one author the credit names, else (None, a note for the editor)."""
    candidates = name_candidates(credit)
    found = list(Author.objects.filter(name__in=candidates))
    for candidate in candidates:
        same = [a for a in found if a.name == candidate]
        photographers = [a for a in same if a.is_photographer]
        if len(photographers) == 1 or len(same) == 1:
            return (photographers or same)[0], None
        if same:
            return None, _("图片署名为“%(name)s”，有多位同名作者，请手动选择摄影。") % {
                "name": candidate
            }
    return None, _("图片署名为“%(name)s”，但作者中没有此人：请选择摄影，或先新建该作者。") % {
        "name": credit
    }


class PhotoForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("图片文件"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )
    pending_upload = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Photo
        fields = ["upload", "pending_upload", "caption", "alt_text", "photographer", "taken_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # If a caller's field list brings back the model's own file field, drop it: a raw
        # upload assigned to Photo.image would be saved as sent, name and payload included.
        self.fields.pop("image", None)
        self.prepared = None  # PreparedPhoto of this submission's image, if any
        self.pending_name = None  # a parked upload this submission used or replaced
        self.stored_files = None
        self.prefilled = []
        self._fresh = False
        self._upload_error = None
        self._photographer_note = None
        help_text = _("JPEG、PNG、WebP 或 GIF，不超过 %(limit)s；动图只保留第一帧。") % {
            "limit": filesizeformat(max_upload_bytes())
        }
        if self.instance.pk:
            help_text = _("留空则保留现有图片。") + help_text
        self.fields["upload"].help_text = help_text

    # --- cleaning -------------------------------------------------------------------------

    def full_clean(self):
        if self.is_bound and self._errors is None:
            self._read_image()
        super().full_clean()
        if self.is_bound and self._errors and self.prepared and self._fresh:
            self._park_upload()

    def _set_data(self, name, value):
        data = self.data.copy()
        data[self.add_prefix(name)] = value
        self.data = data

    def _read_image(self):
        upload = self.files.get(self.add_prefix("upload"))
        token = self.data.get(self.add_prefix("pending_upload"))
        try:
            if upload:
                self.prepared, self._fresh = prepare_upload(upload), True
                # A new file replaces one parked earlier; the parked one goes after saving.
                self.pending_name = pending.parked_name(token) if token else None
            elif token:
                parked = pending.load(token)
                if parked is None:
                    self._set_data("pending_upload", "")
                    raise ValidationError(
                        _("暂存的图片已过期，请重新选择文件。"), code="pending_expired"
                    )
                self.pending_name, self.prepared = parked
        except ValidationError as error:
            self._upload_error = error
            return
        if self._fresh:
            self._prefill(self.prepared.metadata)

    def _prefill(self, metadata):
        """Fill empty caption and photographer from the file's metadata, for confirmation."""
        if metadata.caption and not self.data.get(self.add_prefix("caption"), "").strip():
            self._set_data("caption", metadata.caption)
            self.prefilled.append(_("图片说明"))
        if metadata.credit and not self.data.get(self.add_prefix("photographer")):
            author, note = match_author(metadata.credit)
            if author:
                self._set_data("photographer", str(author.pk))
                self.prefilled.append(_("摄影（%(name)s）") % {"name": author.name})
            else:
                self._photographer_note = note

    def _park_upload(self):
        try:
            token, _name = pending.stash(self.prepared)
        except Exception:  # parking is a convenience: without it the editor re-selects the file
            logger.warning("could not park a photo upload", exc_info=True)
            return
        self._set_data("pending_upload", token)
        self.fields["upload"].help_text = _(
            "已收到图片（%(width)s×%(height)s），无需重新选择；如要换图，请选择新文件。"
        ) % {"width": self.prepared.image.width, "height": self.prepared.image.height}

    def clean_upload(self):
        if self._upload_error:
            raise self._upload_error
        if self.prepared is None and not self.instance.pk:
            raise ValidationError(_("请选择要上传的图片。"), code="required")
        return None  # the raw upload is never handed to the model

    def clean(self):
        cleaned_data = super().clean()
        if self._photographer_note and self.has_error("photographer"):
            self._errors["photographer"] = self.error_class([self._photographer_note])
        if self.prefilled:
            self.add_error(
                None,
                ValidationError(
                    _("已从图片的 IPTC/XMP 信息预填：%(fields)s。请核对后再次保存。"),
                    code="prefilled",
                    params={"fields": "、".join(str(f) for f in self.prefilled)},
                ),
            )
        return cleaned_data

    # --- saving ---------------------------------------------------------------------------

    def save(self, commit=True):
        """Write the renditions (not the row, unless `commit`). With commit=False the caller
        must save the row through `save_photo()` so a failure removes the files again."""
        photo = super().save(commit=False)
        if self.prepared is not None and self.stored_files is None:
            self.stored_files = write_files(self.prepared)
            apply_files(photo, self.stored_files)
        if commit:
            self.save_photo()
        return photo

    def save_photo(self, uploaded_by=None):
        """Save the row after `save(commit=False)`; files and row stand or fall together."""
        if self.stored_files is None and self.prepared is not None:
            self.save(commit=False)
        discard = [self.pending_name] if self.pending_name else []
        store_photo(
            self.instance, self.stored_files, uploaded_by=uploaded_by, discard_after=discard
        )
        self._save_m2m()
        return self.instance
