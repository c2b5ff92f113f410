"""Hotel texts in every offered language, edited side by side in the panel's forms."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from innkeeper.hotels import content

LABELS = {"name": _("Name"), "description": _("Description"),
          "cancellation_policy_text": _("Cancellation policy"), "house_rules": _("House rules"),
          "key_collection_text": _("Key collection")}


class TextsForm(forms.ModelForm):
    """A model form whose ``texts`` are edited in every language at once: ``name_en`` and ``name_ru`` side
    by side, each labelled with the text's and the language's name. A text the model requires must be given
    in at least one language (guests see it in theirs, else in another: hotels.translation); when none is,
    the input of the hotel's main language says so. Put the columns (``content.columns("name")``) in
    ``Meta.fields`` where the text goes."""

    texts: tuple[str, ...] = ()

    def __init__(self, *args, main_language: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.main_language = main_language or settings.LANGUAGE_CODE
        for text in self.texts:
            for code, language in settings.LANGUAGES:
                field = self.fields[content.column(text, code)]
                field.label = format_lazy("{} ({})", LABELS[text], language)
                field.required = False
                field.empty_value = None  # a text not given stays NULL, as in a row saved before it had languages
                field.widget.attrs["lang"] = code
                if isinstance(field.widget, forms.Textarea):
                    field.widget.attrs["rows"] = 4  # two side by side: a tall pair would push the rest away

    def main_language_of(self, data: dict) -> str:
        return self.main_language

    def clean(self):
        data = super().clean()
        for text in self.texts:
            columns = content.columns(text)
            if self._meta.model._meta.get_field(text).blank or any(data.get(c) or c in self.errors for c in columns):
                continue
            language = self.main_language_of(data)
            main = content.column(text, language if language in content.language_codes()
                                  else content.language_codes()[0])
            self.add_error(main, forms.ValidationError(self.fields[main].error_messages["required"],
                                                       code="required"))
        return data

    def field_rows(self) -> list[dict]:
        """The visible fields in order, each text's languages together in one row: [{"label", "fields"}]."""
        of_text = {column: text for text in self.texts for column in content.columns(text)}
        rows, grouped = [], {}
        for bound in self.visible_fields():
            text = of_text.get(bound.name)
            if text is None:
                rows.append({"label": "", "fields": [bound]})
            elif text in grouped:
                grouped[text]["fields"].append(bound)
            else:
                grouped[text] = {"label": LABELS[text], "fields": [bound]}
                rows.append(grouped[text])
        return rows
