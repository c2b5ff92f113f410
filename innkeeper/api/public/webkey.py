"""POST /api/v1/webkey/unlock: the same checks, limits and log as the web key page."""

from ninja import Field, Router, Schema

from innkeeper.api.schemas import Problem
from innkeeper.core.http import client_ip
from innkeeper.core.schemas import Text
from innkeeper.locks import services

router = Router(tags=["keys"])



class UnlockIn(Schema):
    token: Text = Field(..., max_length=500)


class UnlockOut(Schema):
    opened: bool
    room: str


@router.post("/webkey/unlock", response={200: UnlockOut, 400: Problem, 404: Problem, 409: Problem, 422: dict, 429: Problem},
             summary="Open the door of the guest's room",
             description="`token` is the web-key link's token. Allowed only for a checked-in booking, its "
                         "allocated room and the key's validity window; rate limited; every attempt is logged.")
def unlock(request, payload: UnlockIn):
    key = services.webkey_unlock(token=payload.token, channel="api", ip=client_ip(request))
    return {"opened": True, "room": key.room.number}
