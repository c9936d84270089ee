"""Forms of the import wizard: upload, then settings and column mapping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.imports.choices import Mode
from guanxi.imports.columns import Column
from guanxi.imports.models import ImportJob
from guanxi.imports.services import ENCODING_CHOICES, SAMPLE_ROWS, JobSettings


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx, .xls or .csv)"))


class ConfigureForm(forms.Form):
    """The sheet, encoding, header row, a field per column, the mode, and the mapping's name."""

    sheet = forms.ChoiceField(label=_("Sheet"), required=False)
    encoding = forms.ChoiceField(label=_("Encoding"), required=False,
                                 choices=[(e, e) for e in ENCODING_CHOICES])
    header_row = forms.IntegerField(label=_("Header row"), min_value=1, max_value=SAMPLE_ROWS)
    mode = forms.ChoiceField(label=_("What to do"), choices=Mode.choices)
    apply_valid_only = forms.BooleanField(label=_("Apply valid rows only (invalid rows go to an error file)"),
                                          required=False)
    save_mapping_as = forms.CharField(label=_("Save this mapping as"), required=False, max_length=200)

    def __init__(self, *args: Any, job: ImportJob, columns: list[Column], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        sheet = self.fields["sheet"]
        assert isinstance(sheet, forms.ChoiceField)
        sheet.choices = [(s, s) for s in job.sheets]
        if not job.sheets:
            del self.fields["sheet"]
        if job.file_format != "csv":
            del self.fields["encoding"]
        options = [("", _("— skip —")), *[(c.key, c.label) for c in columns]]
        for index, text in enumerate(job.header):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=text or _("Column %(n)d") % {"n": index + 1}, choices=options, required=False,
                initial=job.mapping.get(str(index), ""),
            )

    def column_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("col_")]

    def job_settings(self) -> JobSettings:
        data = self.cleaned_data
        return JobSettings(
            sheet=data.get("sheet") or "", encoding=data.get("encoding") or "", header_row=data["header_row"],
            mapping={name[4:]: value for name, value in data.items() if name.startswith("col_") and value},
            mode=data["mode"], apply_valid_only=bool(data.get("apply_valid_only")),
            save_mapping_as=data.get("save_mapping_as") or "",
        )

    @staticmethod
    def initial_for(job: ImportJob) -> dict[str, Any]:
        from pathlib import Path

        return {"sheet": job.sheet, "encoding": job.encoding, "header_row": job.header_row, "mode": job.mode,
                "apply_valid_only": job.apply_valid_only, "save_mapping_as": Path(job.source_name).stem}
