from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .tabular import FileProblem, _megabytes


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("An .xlsx file, or a CSV file in UTF-8 or GBK. Nothing is written yet."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )

    def __init__(self, *args, importer, **kwargs):
        super().__init__(*args, **kwargs)
        self.importer = importer

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is larger than %(mb)s MB: split it into smaller files and import "
                    "them one after another."
                )
                % {"mb": _megabytes(settings.IMPORT_MAX_BYTES)}
            )
        data = upload.read()
        try:
            self.table = self.importer.read(data)
        except FileProblem as problem:
            raise forms.ValidationError(problem.args[0]) from problem
        self.data_bytes = data
        return upload
