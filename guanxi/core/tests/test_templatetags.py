from django import forms

from guanxi.core.templatetags.guanxi import mask, select_field


class _Form(forms.Form):
    owner = forms.ChoiceField(label="Owner <b>", choices=[("", "All"), ("1", "张<三>"), ("2", "李四")], required=False)


def test_select_field_marks_the_current_value_and_escapes() -> None:
    html = select_field(_Form({"owner": "1"})["owner"])
    assert html.startswith('<select name="owner" id="id_owner" class="form-select" aria-label="Owner &lt;b&gt;">')
    assert '<option value="1" selected>张&lt;三&gt;</option>' in html
    assert '<option value="2">李四</option>' in html
    assert '<option value="">All</option>' in html


def test_mask_filter() -> None:
    assert mask("13812341234") == "138****1234"
    assert mask(None) == ""
