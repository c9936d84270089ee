from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.orders.models import Category


class CategoryForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=50)
    name = forms.CharField(label=_("Name"), max_length=100)
    parent_id = forms.TypedChoiceField(label=_("Parent category"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent_id"]
        assert isinstance(parent, forms.TypedChoiceField)
        parent.choices = [("", "—")] + [(c.pk, c.name) for c in Category.objects.order_by("code")]


class ProductForm(forms.Form):
    code = forms.CharField(label=_("Product code"), max_length=50)
    name = forms.CharField(label=_("Name"), max_length=200)
    category_id = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    spec = forms.CharField(label=_("Spec / size"), max_length=100, required=False)
    colour = forms.CharField(label=_("Colour"), max_length=50, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    list_price = forms.DecimalField(label=_("List price"), min_value=0, max_digits=14, decimal_places=2)
    cost = forms.DecimalField(label=_("Cost"), min_value=0, max_digits=14, decimal_places=2)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category_id"]
        assert isinstance(category, forms.TypedChoiceField)
        category.choices = [("", "—")] + [(c.pk, c.name) for c in Category.objects.order_by("code")]


class ProductEditForm(ProductForm):
    """The product form with the version of the product it was opened on (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
