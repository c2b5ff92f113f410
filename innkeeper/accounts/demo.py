"""Demo sign-ins: one owner per demo hotel, so a demo user can open the staff panel at once."""

from django.db import transaction

from innkeeper.accounts.models import Membership, Role, User

PASSWORD = "innkeeper-demo"  # noqa: S105  (the demo's published sign-in)


@transaction.atomic
def seed(hotels) -> list[User]:
    owners = []
    for hotel in hotels:
        user, created = User.objects.get_or_create(email=f"owner@{hotel.slug}.localhost",
                                                   defaults={"name": f"{hotel.name} owner"})
        if created:
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        Membership.objects.update_or_create(user=user, defaults={"hotel": hotel, "role": Role.OWNER})
        owners.append(user)
    return owners
