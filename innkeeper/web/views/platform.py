from django.http.request import split_domain_port
from django.shortcuts import render

from innkeeper.hotels.selectors import hotels_active
from innkeeper.web import sites


def home(request):
    """The platform's front page: for now a plain list of its hotels (the aggregator comes later)."""
    port = split_domain_port(request.get_host())[1]
    hotels = []
    for hotel in hotels_active():
        host = sites.primary_host(hotel) or f"{hotel.slug}{sites.LOCAL_SUFFIX}"
        local = host.endswith(sites.LOCAL_SUFFIX) and port
        hotels.append((hotel, f"{request.scheme}://{host}{':' + port if local else ''}/"))
    return render(request, "web/platform_home.html", {"hotels": hotels})
