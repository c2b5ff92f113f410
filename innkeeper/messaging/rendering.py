"""Message templates: Django template syntax limited to the known variables, `if`, `for` and a few filters.

Guest-supplied text is escaped in HTML; plain-text channels get it as typed. Only filters that format
a value are allowed, so no template can switch escaping off (``safe``, ``safeseq``, ``{% autoescape %}``).
"""

from __future__ import annotations

from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import FilterExpression, TextNode, VariableNode
from django.template.defaulttags import ForNode, IfNode
from django.utils.html import linebreaks
from django.utils.translation import gettext as _

from innkeeper.core.errors import InvalidInput
from innkeeper.messaging.variables import VARIABLES

# Filters that only format a value (and escape what they return where autoescaping is on).
FILTERS = ("capfirst", "date", "default", "floatformat", "join", "length", "linebreaksbr", "lower", "time",
           "title", "upper")

_TEXT = Engine(autoescape=False)
_HTML = Engine(autoescape=True)


def _names_in(expr: FilterExpression, field: str = "body"):
    var = expr.var
    if hasattr(var, "var") and var.lookups:  # a Variable, not a literal
        yield var.lookups[0]
    for func, args in expr.filters:
        name = getattr(func, "_filter_name", func.__name__)
        if name not in FILTERS:
            raise InvalidInput(_("Templates may use only these filters: %(allowed)s; not %(filter)s.")
                               % {"allowed": ", ".join(FILTERS), "filter": name},
                               field=field, code="unknown_filter", filter=name)
        for is_var, arg in args:
            if is_var and arg.lookups:
                yield arg.lookups[0]


def _condition_names(cond, field: str):
    if cond is None:
        return
    if hasattr(cond, "value") and isinstance(cond.value, FilterExpression):
        yield from _names_in(cond.value, field)
    for side in ("first", "second"):
        part = getattr(cond, side, None)
        if part is not None:
            yield from _condition_names(part, field)


def _check(nodes, known: set[str], field: str) -> None:
    for node in nodes:
        if isinstance(node, TextNode):
            continue
        if isinstance(node, VariableNode):
            names = list(_names_in(node.filter_expression, field))
        elif isinstance(node, IfNode):
            names = []
            for cond, nodelist in node.conditions_nodelists:
                names += list(_condition_names(cond, field))
                _check(nodelist, known, field)
        elif isinstance(node, ForNode):
            names = list(_names_in(node.sequence, field))
            inner = known | set(node.loopvars) | {"forloop"}
            _check(node.nodelist_loop, inner, field)
            _check(node.nodelist_empty or [], inner, field)
        else:
            tag = getattr(node, "token", None)
            name = tag.contents.split()[0] if tag else type(node).__name__
            raise InvalidInput(_("Templates may use only {%% if %%} and {%% for %%}, not %(tag)s.") % {"tag": name},
                               field=field, code="unknown_tag")
        for name in names:
            if name not in known:
                raise InvalidInput(_("The template uses an unknown variable: %(name)s.") % {"name": name},
                                   field=field, code="unknown_variable", variable=name)


def validate(source: str, *, field: str = "body") -> None:
    """Raise InvalidInput (naming the variable or tag) unless ``source`` is a usable message template."""
    try:
        template = _TEXT.from_string(source)
    except TemplateSyntaxError as exc:
        raise InvalidInput(_("The template is not valid: %(error)s") % {"error": exc}, field=field,
                           code="syntax") from None
    _check(template.nodelist, set(VARIABLES), field)


def _render(engine: Engine, source: str, context: dict, field: str) -> str:
    try:
        return engine.from_string(source).render(Context(context, autoescape=engine.autoescape)).strip()
    except Exception as exc:  # noqa: BLE001 - a filter given a value it cannot take may raise anything
        reason = str(exc) or type(exc).__name__
        raise InvalidInput(_("A filter or loop in the template cannot work with its values: %(error)s") % {"error": reason}, field=field,
                           code="render") from None


def render_text(source: str, context: dict, *, field: str = "body") -> str:
    """The text with ``context`` filled in; InvalidInput (on ``field``) if it cannot be filled in."""
    return _render(_TEXT, source, context, field)


def render_html(source: str, context: dict, *, field: str = "body") -> str:
    """The body as HTML paragraphs, every variable escaped."""
    return linebreaks(_render(_HTML, source, context, field), autoescape=False)
