from django.shortcuts import render

from innkeeper.hotels.selectors import hotels_active


def home(request):
    """The platform's front page: for now a plain list of hotels and where their API lives."""
    return render(request, "web/home.html", {"hotels": hotels_active()})
