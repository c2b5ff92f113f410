"""Shipped wording for every message type, channel and language; a hotel's MessageTemplate overrides it.

Written in Django template syntax, limited to the variables in variables.VARIABLES (checked by a test).
"""

EMAIL, WHATSAPP = "EMAIL", "WHATSAPP"

_ADD_ONS_EN = "{% if add_ons %}\nExtras: {{ add_ons|join:\", \" }}{% endif %}"
_ADD_ONS_RU = "{% if add_ons %}\nДополнительно: {{ add_ons|join:\", \" }}{% endif %}"

DEFAULTS: dict[tuple[str, str, str], tuple[str, str]] = {
    # Booking confirmation
    ("BOOKING_CONFIRMATION", EMAIL, "en"): (
        "Your booking {{ reference }} at {{ hotel_name }} is confirmed",
        "Dear {{ guest_name }},\n\nThank you for booking with {{ hotel_name }}. Your booking is confirmed.\n\n"
        "Reference: {{ reference }}\nRoom: {{ room_type }}\nArrival: {{ check_in }}\nDeparture: {{ check_out }}"
        + _ADD_ONS_EN + "\nTotal: {{ total }}\n\n"
        "Keep your reference: you need it to manage the booking.{% if manage_link %}\n{{ manage_link }}{% endif %}"
        "{% if check_in_link %}\n\nSave time at arrival: check in online{% if smart_lock %} and get your door "
        "code{% endif %} before you come:\n"
        "{{ check_in_link }}{% endif %}"
        "\n\nWe look forward to welcoming you.\n{{ hotel_name }}",
    ),
    ("BOOKING_CONFIRMATION", EMAIL, "ru"): (
        "Бронирование {{ reference }} в {{ hotel_name }} подтверждено",
        "Здравствуйте, {{ guest_name }}!\n\nСпасибо, что выбрали {{ hotel_name }}. Ваше бронирование подтверждено.\n\n"
        "Код бронирования: {{ reference }}\nНомер: {{ room_type }}\nЗаезд: {{ check_in }}\nВыезд: {{ check_out }}"
        + _ADD_ONS_RU + "\nИтого: {{ total }}\n\n"
        "Сохраните код: он нужен, чтобы управлять бронированием.{% if manage_link %}\n{{ manage_link }}{% endif %}"
        "{% if check_in_link %}\n\nСэкономьте время при заезде — пройдите онлайн-регистрацию{% if smart_lock %} "
        "и получите код двери{% endif %} заранее:\n{{ check_in_link }}{% endif %}"
        "\n\nЖдём вас!\n{{ hotel_name }}",
    ),
    ("BOOKING_CONFIRMATION", WHATSAPP, "en"): (
        "",
        "{{ hotel_name }}: your booking {{ reference }} is confirmed. {{ room_type }}, "
        "{{ check_in }} – {{ check_out }}. Total {{ total }}.{% if check_in_link %} Check in online: "
        "{{ check_in_link }}{% endif %} See you soon, {{ guest_name }}!",
    ),
    ("BOOKING_CONFIRMATION", WHATSAPP, "ru"): (
        "",
        "{{ hotel_name }}: бронирование {{ reference }} подтверждено. {{ room_type }}, "
        "{{ check_in }} – {{ check_out }}. Итого {{ total }}.{% if check_in_link %} Онлайн-регистрация: "
        "{{ check_in_link }}{% endif %} До встречи, {{ guest_name }}!",
    ),
    # Check-in reminder
    ("CHECKIN_REMINDER", EMAIL, "en"): (
        "Your stay at {{ hotel_name }} begins soon",
        "Dear {{ guest_name }},\n\nWe look forward to seeing you on {{ check_in }} (booking {{ reference }})."
        "{% if check_in_link %}\n\nSave time at arrival: check in online here:\n{{ check_in_link }}{% endif %}"
        "\n\n{{ hotel_name }}",
    ),
    ("CHECKIN_REMINDER", EMAIL, "ru"): (
        "Скоро ваш приезд в {{ hotel_name }}",
        "Здравствуйте, {{ guest_name }}!\n\nЖдём вас {{ check_in }} (бронирование {{ reference }})."
        "{% if check_in_link %}\n\nСэкономьте время при заезде — пройдите онлайн-регистрацию:\n"
        "{{ check_in_link }}{% endif %}\n\n{{ hotel_name }}",
    ),
    ("CHECKIN_REMINDER", WHATSAPP, "en"): (
        "",
        "{{ hotel_name }}: we expect you on {{ check_in }} (booking {{ reference }})."
        "{% if check_in_link %} Check in online: {{ check_in_link }}{% endif %}",
    ),
    ("CHECKIN_REMINDER", WHATSAPP, "ru"): (
        "",
        "{{ hotel_name }}: ждём вас {{ check_in }} (бронирование {{ reference }})."
        "{% if check_in_link %} Онлайн-регистрация: {{ check_in_link }}{% endif %}",
    ),
    # Access instructions
    ("ACCESS_INSTRUCTIONS", EMAIL, "en"): (
        "How to get into your room at {{ hotel_name }}",
        "Dear {{ guest_name }},\n\nYour room is {{ room_number }}.{% if pin %} The door PIN is {{ pin }}.{% endif %}"
        "{% if key_collection %}\n{{ key_collection }}{% endif %}"
        "{% if web_key_link %}\nYou can also open the door from your phone: {{ web_key_link }}{% endif %}"
        "{% if app_key_account %}\n\nOr open it with the TTLock app (from the App Store or Google Play): sign in "
        "as {{ app_key_account }}; your key to the room is there. If you had no TTLock account, one was made for "
        "you: its first password is the last six characters of that name ({{ app_key_password }}). Please "
        "change it in the app.{% endif %}"
        "\n\n{% if not pin %}Your stay: {{ check_in }} – {{ check_out }}.{% elif app_key_account %}The PIN and "
        "the app key work from {{ check_in }} until {{ check_out }}.{% else %}The PIN works from {{ check_in }} "
        "until {{ check_out }}.{% endif %}"
        "{% if pin_first_use_by %}\nImportant: type the PIN on the door's keypad for the first time before "
        "{{ pin_first_use_by }}, otherwise it stops working.{% endif %}\n\n{{ hotel_name }}",
    ),
    ("ACCESS_INSTRUCTIONS", EMAIL, "ru"): (
        "Как попасть в номер в {{ hotel_name }}",
        "Здравствуйте, {{ guest_name }}!\n\nВаш номер — {{ room_number }}.{% if pin %} Код двери: {{ pin }}.{% endif %}"
        "{% if key_collection %}\n{{ key_collection }}{% endif %}"
        "{% if web_key_link %}\nДверь можно открыть и с телефона: {{ web_key_link }}{% endif %}"
        "{% if app_key_account %}\n\nИли откройте её в приложении TTLock (в App Store или Google Play): войдите "
        "как {{ app_key_account }}, ключ от номера будет там. Если у вас не было учётной записи TTLock, мы её "
        "создали: первый пароль — последние шесть символов этого имени ({{ app_key_password }}). Пожалуйста, "
        "смените его в приложении.{% endif %}"
        "\n\n{% if not pin %}Ваше проживание: {{ check_in }} – {{ check_out }}.{% elif app_key_account %}Код и "
        "ключ в приложении действуют с {{ check_in }} до {{ check_out }}.{% else %}Код действует с {{ check_in }} "
        "до {{ check_out }}.{% endif %}"
        "{% if pin_first_use_by %}\nВажно: впервые введите код на клавиатуре двери до {{ pin_first_use_by }}, "
        "иначе он перестанет действовать.{% endif %}\n\n{{ hotel_name }}",
    ),
    ("ACCESS_INSTRUCTIONS", WHATSAPP, "en"): (
        "",
        "{{ hotel_name }}: room {{ room_number }}.{% if pin %} Door PIN {{ pin }}.{% endif %}"
        "{% if key_collection %} {{ key_collection }}{% endif %}"
        "{% if pin_first_use_by %} Type it on the keypad for the first time before {{ pin_first_use_by }}, "
        "or it stops working.{% endif %}"
        "{% if web_key_link %} Open from your phone: {{ web_key_link }}{% endif %}"
        "{% if app_key_account %} Or in the TTLock app: sign in as {{ app_key_account }} (new account: password "
        "{{ app_key_password }}, change it).{% endif %}",
    ),
    ("ACCESS_INSTRUCTIONS", WHATSAPP, "ru"): (
        "",
        "{{ hotel_name }}: номер {{ room_number }}.{% if pin %} Код двери {{ pin }}.{% endif %}"
        "{% if key_collection %} {{ key_collection }}{% endif %}"
        "{% if pin_first_use_by %} Впервые введите его на клавиатуре до {{ pin_first_use_by }}, "
        "иначе он перестанет действовать.{% endif %}"
        "{% if web_key_link %} Открыть с телефона: {{ web_key_link }}{% endif %}"
        "{% if app_key_account %} Или в приложении TTLock: войдите как {{ app_key_account }} (новая учётная "
        "запись: пароль {{ app_key_password }}, смените его).{% endif %}",
    ),
    # Check-out reminder
    ("CHECKOUT_REMINDER", EMAIL, "en"): (
        "Check-out from {{ hotel_name }}",
        "Dear {{ guest_name }},\n\nA reminder that check-out is at {{ check_out }}. "
        "We hope you enjoyed your stay.\n\n{{ hotel_name }}",
    ),
    ("CHECKOUT_REMINDER", EMAIL, "ru"): (
        "Выезд из {{ hotel_name }}",
        "Здравствуйте, {{ guest_name }}!\n\nНапоминаем: выезд {{ check_out }}. "
        "Надеемся, вам у нас понравилось.\n\n{{ hotel_name }}",
    ),
    ("CHECKOUT_REMINDER", WHATSAPP, "en"): ("", "{{ hotel_name }}: check-out is at {{ check_out }}. Thank you!"),
    ("CHECKOUT_REMINDER", WHATSAPP, "ru"): ("", "{{ hotel_name }}: выезд {{ check_out }}. Спасибо!"),
    # Thanks after the stay
    ("POST_STAY_THANKS", EMAIL, "en"): (
        "Thank you for staying at {{ hotel_name }}",
        "Dear {{ guest_name }},\n\nThank you for staying with us. We hope to welcome you again.\n\n"
        "{% if feedback_link %}How was your stay? Tell us in a minute: {{ feedback_link }}\n\n{% endif %}"
        "{{ hotel_name }}",
    ),
    ("POST_STAY_THANKS", EMAIL, "ru"): (
        "Спасибо, что остановились в {{ hotel_name }}",
        "Здравствуйте, {{ guest_name }}!\n\nСпасибо, что остановились у нас. Будем рады видеть вас снова.\n\n"
        "{% if feedback_link %}Как прошло ваше пребывание? Расскажите нам за минуту: {{ feedback_link }}\n\n"
        "{% endif %}{{ hotel_name }}",
    ),
    ("POST_STAY_THANKS", WHATSAPP, "en"): ("", "{{ hotel_name }}: thank you for staying with us, {{ guest_name }}!"
                                               "{% if feedback_link %} How was it? {{ feedback_link }}{% endif %}"),
    ("POST_STAY_THANKS", WHATSAPP, "ru"): ("", "{{ hotel_name }}: спасибо, что были у нас, {{ guest_name }}!"
                                               "{% if feedback_link %} Как всё прошло? {{ feedback_link }}{% endif %}"),
    # Booking cancelled
    ("BOOKING_CANCELLED", EMAIL, "en"): (
        "Your booking {{ reference }} at {{ hotel_name }} is cancelled",
        "Dear {{ guest_name }},\n\nYour booking {{ reference }} ({{ room_type }}, {{ check_in }} – {{ check_out }}) "
        "is cancelled."
        "{% if cancellation_fee %}\n\nAs the free cancellation period had ended, a cancellation fee of "
        "{{ cancellation_fee }} applies.{% else %}\n\nNothing is charged for the cancellation.{% endif %}"
        "\n\nAny door code or key sent for this booking no longer works. "
        "We hope to welcome you another time.\n{{ hotel_name }}",
    ),
    ("BOOKING_CANCELLED", EMAIL, "ru"): (
        "Бронирование {{ reference }} в {{ hotel_name }} отменено",
        "Здравствуйте, {{ guest_name }}!\n\nВаше бронирование {{ reference }} ({{ room_type }}, "
        "{{ check_in }} – {{ check_out }}) отменено."
        "{% if cancellation_fee %}\n\nБесплатная отмена уже закончилась, поэтому взимается плата за отмену: "
        "{{ cancellation_fee }}.{% else %}\n\nПлата за отмену не взимается.{% endif %}"
        "\n\nКоды двери и ключи, отправленные для этого бронирования, больше не действуют. "
        "Будем рады видеть вас в другой раз.\n{{ hotel_name }}",
    ),
    ("BOOKING_CANCELLED", WHATSAPP, "en"): (
        "",
        "{{ hotel_name }}: your booking {{ reference }} for {{ check_in }} is cancelled."
        "{% if cancellation_fee %} Cancellation fee: {{ cancellation_fee }}.{% else %} Nothing is charged for it.{% endif %}",
    ),
    ("BOOKING_CANCELLED", WHATSAPP, "ru"): (
        "",
        "{{ hotel_name }}: бронирование {{ reference }} на {{ check_in }} отменено."
        "{% if cancellation_fee %} Плата за отмену: {{ cancellation_fee }}.{% else %} Без платы за отмену.{% endif %}",
    ),
}
