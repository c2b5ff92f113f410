"""The demo's guests: plausible names from several countries, their language, e-mail, phone and passport.

Russian speakers (from Russia, Kazakhstan, Belarus) write in Russian (locale ``ru``); everyone else in English.
Addresses are on example.com/.org/.net, which can never be anyone's mailbox. Every choice comes from the
``random.Random`` the caller passes, so the same seed gives the same guest.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

import phonenumbers

# country: (locale, phone pattern with # for a random digit, [(name, e-mail name)])
PEOPLE: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "RU": ("ru", "+7 9{25,16,03,15,77,85} ###-##-##", [
        ("Анна Смирнова", "anna.smirnova"), ("Дмитрий Иванов", "d.ivanov"), ("Екатерина Кузнецова", "katya.k"),
        ("Алексей Попов", "alexey.popov"), ("Мария Соколова", "maria.sokolova"), ("Сергей Лебедев", "slebedev"),
        ("Ольга Новикова", "olga.novikova"), ("Игорь Морозов", "igor.morozov"), ("Наталья Волкова", "n.volkova"),
        ("Павел Фёдоров", "pavel.fedorov"), ("Татьяна Михайлова", "tanya.m"), ("Андрей Егоров", "a.egorov"),
        ("Юлия Павлова", "julia.pavlova"), ("Максим Козлов", "max.kozlov"), ("Елена Степанова", "e.stepanova"),
        ("Артём Николаев", "artem.nikolaev"), ("Ксения Орлова", "ksenia.orlova"), ("Михаил Зайцев", "m.zaitsev"),
    ]),
    "KZ": ("ru", "+7 7{01,05,77,47} ### ## ##", [
        ("Айгерим Касымова", "aigerim.k"), ("Нурлан Сейткали", "nurlan.s"), ("Дина Ахметова", "dina.akhmetova"),
    ]),
    "BY": ("ru", "+375 {29,33,44} ###-##-##", [
        ("Андрей Ковалёв", "andrei.kovalev"), ("Светлана Шевчук", "sveta.shevchuk"),
    ]),
    "GE": ("en", "+995 5{55,57,91,99} ## ## ##", [
        ("Nino Beridze", "nino.beridze"), ("Giorgi Kapanadze", "giorgi.k"), ("Mariam Lomidze", "mariam.lomidze"),
        ("Levan Gelashvili", "levan.g"),
    ]),
    "DE": ("en", "+49 1{51,60,70,76} ########", [
        ("Lukas Schneider", "lukas.schneider"), ("Hannah Becker", "hannah.becker"), ("Jonas Weber", "jonas.weber"),
        ("Lea Hoffmann", "lea.hoffmann"),
    ]),
    "GB": ("en", "+44 79## ######", [
        ("Oliver Bennett", "oliver.bennett"), ("Emily Clarke", "emily.clarke"), ("James Whitaker", "j.whitaker"),
    ]),
    "US": ("en", "+1 {415,212,312,617} ### ####", [
        ("Michael Johnson", "mike.johnson"), ("Sarah Miller", "sarah.miller"), ("Daniel Garcia", "dgarcia"),
    ]),
    "FR": ("en", "+33 6 ## ## ## ##", [("Camille Laurent", "camille.laurent"), ("Julien Moreau", "julien.moreau")]),
    "IN": ("en", "+91 98### #####", [("Priya Sharma", "priya.sharma"), ("Arjun Mehta", "arjun.mehta")]),
    "TR": ("en", "+90 53# ### ## ##", [("Elif Yılmaz", "elif.yilmaz"), ("Emre Demir", "emre.demir")]),
    "IT": ("en", "+39 34# ### ####", [("Giulia Romano", "giulia.romano"), ("Marco Ricci", "marco.ricci")]),
    "NL": ("en", "+31 6 ########", [("Sanne de Vries", "sanne.devries")]),
    "JP": ("en", "+81 90 #### ####", [("Yuki Tanaka", "yuki.tanaka")]),
    "PL": ("en", "+48 5## ### ###", [("Zofia Nowak", "zofia.nowak")]),
    "ES": ("en", "+34 6## ### ###", [("Lucía Fernández", "lucia.fernandez")]),
}

# Where each demo hotel's guests come from (weights); a hotel not named here gets the first mix.
MIX = {
    "demo": {"RU": 50, "KZ": 6, "BY": 4, "DE": 6, "GB": 5, "US": 5, "FR": 4, "IN": 4, "TR": 4, "IT": 4, "JP": 2,
             "ES": 2, "PL": 2, "NL": 2},
    "tbilisi": {"RU": 22, "KZ": 5, "BY": 3, "GE": 12, "DE": 10, "GB": 8, "US": 8, "FR": 6, "IN": 4, "TR": 6,
                "IT": 6, "NL": 4, "PL": 4, "ES": 2},
}
DOMAINS = ("example.com", "example.org", "example.net")


@dataclass(frozen=True)
class Guest:
    name: str
    email: str
    phone: str  # "" for a guest who gave none
    locale: str
    country: str
    date_of_birth: date
    document_number: str


def _phone(pattern: str, rng: random.Random) -> str:
    """A number in ``pattern``: "{a,b}" picks one of the choices, "#" is a random digit. "" when the pattern
    gives no valid number after a few tries."""
    for _attempt in range(5):
        out, i = [], 0
        while i < len(pattern):
            ch = pattern[i]
            if ch == "{":
                end = pattern.index("}", i)
                out.append(rng.choice(pattern[i + 1:end].split(",")))
                i = end + 1
                continue
            out.append(str(rng.randrange(10)) if ch == "#" else ch)
            i += 1
        number = "".join(out)
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number
    return ""


def guest(hotel_slug: str, rng: random.Random, *, today: date) -> Guest:
    mix = MIX.get(hotel_slug) or next(iter(MIX.values()))
    country = rng.choices(list(mix), weights=list(mix.values()))[0]
    locale, pattern, names = PEOPLE[country]
    name, mailbox = rng.choice(names)
    # Seven in ten give a phone number (and so get WhatsApp messages too).
    phone = _phone(pattern, rng) if rng.random() < 0.7 else ""
    born = date(today.year - rng.randint(21, 72), rng.randint(1, 12), rng.randint(1, 28))
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
    return Guest(name=name, email=f"{mailbox}@{rng.choice(DOMAINS)}", phone=phone, locale=locale, country=country,
                 date_of_birth=born, document_number=f"{letters}{rng.randrange(10 ** 7):07d}")
