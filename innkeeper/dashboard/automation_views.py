"""Panel pages for automation: the hotel's rules (the journey's own, switchable, and its own, with wording in
any language, a preview and a test send), and the send limits with their notices.

Every preview (the page's and the live one) is ``automation.wording_fill``, the function the worker sends with:
what staff see is what goes.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from innkeeper.core.errors import DomainError
from innkeeper.dashboard.access import panel_view
from innkeeper.dashboard.automation_forms import (
    BuiltinForm,
    RuleForm,
    SendLimitForm,
    TestSendForm,
    WordingForm,
    when_words,
)
from innkeeper.messaging import placeholders, services
from innkeeper.messaging.models import TIME_TRIGGERS, AutomationRule, RuleTemplate, SendLimit
from innkeeper.messaging.services import limits
from innkeeper.messaging.variables import VARIABLES


def _fail(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@panel_view(owner_only=True)
def automation(request):
    """The rules, the journey's own switches, and the send limits (with the limits reached today)."""
    hotel = request.panel_hotel
    own = SendLimit.objects.filter(hotel=hotel).first()
    limit_form = SendLimitForm(initial={name: getattr(own, name) for name in limits.limits_for(hotel.pk)}
                               if own else None)
    status, rules, sent = 200, services.rules_of(hotel), None
    if request.method == "POST" and "builtin" in request.POST:
        found = next((r for r in rules if r.builtin and r.builtin == request.POST["builtin"]), None)
        sent = BuiltinForm(request.POST, rule=found) if found is not None else None
        if sent is not None and sent.is_valid():
            try:
                services.builtin_set(hotel=hotel, type=found.builtin, actor=request.user, **sent.values())
            except DomainError as error:
                sent.add_error("amount" if error.field == "offset_minutes" else None, error.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("panel:automation")
        status = 400
    elif request.method == "POST":
        limit_form = SendLimitForm(request.POST)
        if limit_form.is_valid():
            try:
                services.send_limit_set(hotel=hotel, actor=request.user, **limit_form.cleaned_data)
            except DomainError as error:
                _fail(limit_form, error)
            else:
                messages.success(request, _("Send limits saved."))
                return redirect("panel:automation")
        status = 400
    builtins = [sent if sent is not None and sent.rule is r else BuiltinForm(rule=r) for r in rules if r.builtin]
    own = [(r, when_words(r.trigger, r.offset_minutes, r.at_time) if r.trigger in TIME_TRIGGERS else
            r.get_trigger_display()) for r in rules if not r.builtin]
    return render(request, "dashboard/automation.html", {
        "own": own, "builtins": builtins, "limit_form": limit_form, "notices": limits.notices(hotel=hotel),
    }, status=status)


@panel_view(owner_only=True)
def rule(request, pk: int | None = None):
    """A rule of the hotel's own: when, on which channels, and its wording in the language chosen (``?locale=``),
    with the preview for a sample booking and a test send to the staff member."""
    hotel = request.panel_hotel
    found = get_object_or_404(AutomationRule, pk=pk, hotel=hotel, builtin="") if pk else None
    locale = (request.POST.get("locale") or request.GET.get("locale") or hotel.default_locale).strip()
    wording = RuleTemplate.objects.filter(rule=found, locale=locale).first() if found else None
    rule_form = RuleForm(initial=RuleForm.initial_of(found) if found else None)
    words = WordingForm(initial={"locale": locale, "subject": wording.subject if wording else "",
                                 "body": wording.body if wording else ""})
    test_form = TestSendForm()
    preview, status = None, 200
    if request.method == "POST":
        rule_form, words = RuleForm(request.POST), WordingForm(request.POST)
        test_form = TestSendForm(request.POST)
        if rule_form.is_valid() and words.is_valid():
            w = words.cleaned_data
            try:
                for source, field in ((w["subject"], "subject"), (w["body"], "body")):
                    placeholders.validate(source, field=field)
                preview = services.wording_preview(hotel=hotel, locale=w["locale"], subject=w["subject"],
                                                   body=w["body"])
                if "save" in request.POST or "test" in request.POST:
                    found = services.rule_save(hotel=hotel, rule=found, actor=request.user, **rule_form.rule_values())
                    services.rule_template_save(rule=found, locale=w["locale"], subject=w["subject"], body=w["body"],
                                                actor=request.user)
                if "test" in request.POST and test_form.is_valid():
                    t = test_form.cleaned_data
                    row = services.message_send_test(hotel=hotel, user=request.user, channel=t["channel"],
                                                     locale=w["locale"], rule=found, phone=t["phone"])
                    messages.success(request, _("A test is on its way to %(to)s.") % {"to": row.recipient})
                if "save" in request.POST or "test" in request.POST:
                    if "save" in request.POST:
                        messages.success(request, _("Rule saved."))
                    return redirect(reverse("panel:rule", kwargs={"pk": found.pk}) + "?"
                                    + urlencode({"locale": w["locale"]}))
            except DomainError as error:
                target = test_form if error.field in test_form.fields else (
                    rule_form if error.field in rule_form.fields else words)
                _fail(target, error)
                status = 400
        else:
            status = 400
    return render(request, "dashboard/rule.html", {
        "rule": found, "rule_form": rule_form, "words": words, "test_form": test_form, "previews": preview or [],
        "sample": True,
        "locale": locale, "languages": list(found.templates.values_list("locale", flat=True)) if found else [],
        "variables": VARIABLES}, status=status)


@require_POST
@panel_view(owner_only=True)
def rule_preview(request):
    """The live preview of a rule's wording for the sample booking: only the preview part, a mistake named."""
    words = WordingForm(request.POST)
    previews, error = [], None
    if not words.is_valid():
        error = next(iter(e for errors in words.errors.values() for e in errors), None)
    else:
        w = words.cleaned_data
        try:
            previews = services.wording_preview(hotel=request.panel_hotel, locale=w["locale"], subject=w["subject"],
                                                body=w["body"])
        except DomainError as refused:
            error = refused.message
    return render(request, "dashboard/_preview.html", {"previews": previews, "preview_error": error, "sample": True},
                  status=400 if error else 200)
