from django.forms.renderers import DjangoTemplates


class FormRenderer(DjangoTemplates):
    """Every form on the panel and the guest site renders its fields through one template, which gives the
    help text and the errors the ids that Django's own aria-describedby and aria-invalid point at."""

    field_template_name = "fields/field.html"
