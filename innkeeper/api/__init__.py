"""The JSON API: one NinjaAPI, domain errors mapped to HTTP once, here."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from innkeeper.api.public.booking import router as booking_router
from innkeeper.api.public.checkin import router as checkin_router
from innkeeper.api.public.webkey import router as locks_router
from innkeeper.api.staff import router as staff_router
from innkeeper.core.errors import (
    Busy,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TooManyRequests,
)

api = NinjaAPI(title="Innkeeper API", version="1", urls_namespace="api",
               openapi_url="/openapi.json", docs_url="/docs")
api.add_router("/v1", booking_router)
api.add_router("/v1", checkin_router)
api.add_router("/v1", locks_router)
api.add_router("/v1", staff_router)

LOCATION = {"GET": "query"}


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    if isinstance(exc, InvalidInput):
        where = LOCATION.get(request.method, "body")
        loc = [where, *(exc.field.split(".") if exc.field else [])]
        return api.create_response(request, {"detail": [{"loc": loc, "msg": exc.message, "type": exc.code}]},
                                   status=422)
    status = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else \
        403 if isinstance(exc, PermissionDenied) else 503 if isinstance(exc, Busy) else \
        429 if isinstance(exc, TooManyRequests) else 400
    response = api.create_response(request, {"detail": exc.message, "code": exc.code}, status=status)
    if isinstance(exc, Busy):
        response["Retry-After"] = "1"
    if isinstance(exc, TooManyRequests):
        response["Retry-After"] = str(exc.params.get("retry_after", 60))
    return response


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found.", "code": "not_found"}, status=404)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return api.create_response(request, {"detail": str(exc), "code": "bad_request"}, status=exc.status_code)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    return api.create_response(request, {"detail": exc.errors}, status=422)
