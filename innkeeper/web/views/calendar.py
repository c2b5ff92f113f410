"""A room type's availability calendar (.ics) for the channels that import one (pms.ical_export)."""

import hashlib

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

from innkeeper.pms import ical_export


@require_GET
def feed(request, token: str):
    room_type = ical_export.room_type_for_token(hotel=request.hotel, token=token)
    if room_type is None:
        raise Http404
    body = ical_export.calendar_feed(hotel=request.hotel, room_type=room_type)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="availability.ics"'
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=300"  # the address is a secret: no shared caches
    response["X-Robots-Tag"] = "noindex"
    return response
