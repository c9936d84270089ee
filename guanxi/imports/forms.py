"""Forms of the import wizard: upload (with what is imported), then settings and column mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.imports import targets
from guanxi.imports.models import ImportJob
from guanxi.imports.services import ENCODING_CHOICES, SAMPLE_ROWS, JobSettings, target_of


class UploadForm(forms.Form):
    target = forms.ChoiceField(label=_("What is imported"), initial="customers", required=False,
                               widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    file = forms.FileField(label=_("File (.xlsx, .xls or .csv)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = targets.choices()

    def clean_target(self) -> str:
        return self.cleaned_data.get("target") or "customers"  # what the form offered before there was a choice


class ConfigureForm(forms.Form):
    """The sheet, encoding, header row, a field per column, the target's options, the mapping's name."""

    sheet = forms.ChoiceField(label=_("Sheet"), required=False)
    encoding = forms.ChoiceField(label=_("Encoding"), required=False,
                                 choices=[(e, e) for e in ENCODING_CHOICES])
    header_row = forms.IntegerField(label=_("Header row"), min_value=1, max_value=SAMPLE_ROWS)
    apply_valid_only = forms.BooleanField(label=_("Apply valid rows only (invalid rows go to an error file)"),
                                          required=False)
    save_mapping_as = forms.CharField(label=_("Save this mapping as"), required=False, max_length=200)

    def __init__(self, *args: Any, job: ImportJob, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        self.target = target_of(job)
        sheet = self.fields["sheet"]
        assert isinstance(sheet, forms.ChoiceField)
        sheet.choices = [(s, s) for s in job.sheets]
        if not job.sheets:
            del self.fields["sheet"]
        if job.file_format != "csv":
            del self.fields["encoding"]
        self.option_names = list(self.target.option_fields())
        for name, field in self.target.option_fields().items():
            self.fields[name] = field
        required = set(self.target.required())
        columns = self.target.catalogue()
        options = [("", _("— skip —")), *[(c.key, f"{c.label} *" if c.key in required else c.label)
                                          for c in columns]]
        for index, text in enumerate(job.header):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=text or _("Column %(n)d") % {"n": index + 1}, choices=options, required=False,
                initial=job.mapping.get(str(index), ""),
            )
        self.labels = {c.key: c.label for c in columns}
        self.missing = [self.labels[k] for k in self.target.required() if k not in job.mapping.values()]

    def column_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("col_")]

    def option_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.option_names]

    def job_settings(self) -> JobSettings:
        data = self.cleaned_data
        return JobSettings(
            sheet=data.get("sheet") or "", encoding=data.get("encoding") or "", header_row=data["header_row"],
            mapping={name[4:]: value for name, value in data.items() if name.startswith("col_") and value},
            apply_valid_only=bool(data.get("apply_valid_only")), save_mapping_as=data.get("save_mapping_as") or "",
            options={name: data[name] for name in self.option_names if data.get(name) not in (None, "")},
        )

    @staticmethod
    def initial_for(job: ImportJob) -> dict[str, Any]:
        return {"sheet": job.sheet, "encoding": job.encoding, "header_row": job.header_row,
                "apply_valid_only": job.apply_valid_only, "save_mapping_as": Path(job.source_name).stem,
                **target_of(job).options_of(job)}
