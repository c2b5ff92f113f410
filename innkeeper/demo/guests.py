"""The demo's guests: plausible names from several countries, their language, e-mail, phone and passport.

Russian speakers (from Russia, Kazakhstan, Belarus) write in Russian (locale ``ru``); everyone else in English.
Addresses are on example.com/.org/.net, which can never be anyone's mailbox. Every choice comes from the
``random.Random`` the caller passes, so the same seed gives the same guest.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date

import phonenumbers

# country: (locale, phone pattern with # for a random digit, given names (men), given names (women),
# family names as (a man's, a woman's))
PEOPLE: dict[str, tuple[str, str, list[str], list[str], list[tuple[str, str]]]] = {
    "RU": ("ru", "+7 9{25,16,03,15,77,85} ###-##-##",
           ["Дмитрий", "Алексей", "Сергей", "Игорь", "Павел", "Андрей", "Максим", "Артём", "Михаил", "Иван",
            "Никита", "Владимир", "Роман", "Кирилл"],
           ["Анна", "Екатерина", "Мария", "Ольга", "Наталья", "Татьяна", "Юлия", "Елена", "Ксения", "Дарья",
            "Полина", "Светлана", "Ирина", "Алина"],
           [(name, name + "а") for name in ("Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев",
                                            "Новиков", "Морозов", "Волков", "Фёдоров", "Михайлов", "Егоров",
                                            "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Зайцев",
                                            "Белов", "Медведев", "Гусев", "Тихонов")]),
    "KZ": ("ru", "+7 7{01,05,77,47} ### ## ##", ["Нурлан", "Ерлан", "Асхат", "Данияр"],
           ["Айгерим", "Дина", "Асель", "Жанна"],
           [(name, name + "а") for name in ("Ахметов", "Касымов", "Сейткалиев", "Нурланов", "Жумабаев")]),
    "BY": ("ru", "+375 {29,33,44} ###-##-##", ["Андрей", "Сергей", "Алесь", "Павел"],
           ["Светлана", "Ольга", "Анастасия", "Вероника"],
           [("Ковалёв", "Ковалёва"), ("Шевчук", "Шевчук"), ("Новик", "Новик"), ("Жук", "Жук")]),
    "GE": ("en", "+995 5{55,57,91,99} ## ## ##", ["Giorgi", "Levan", "Davit", "Nika"], ["Nino", "Mariam", "Tamar", "Ana"],
           [(n, n) for n in ("Beridze", "Kapanadze", "Lomidze", "Gelashvili", "Maisuradze", "Tsiklauri")]),
    "DE": ("en", "+49 1{51,60,70,76} ########", ["Lukas", "Jonas", "Felix", "Maximilian", "Paul"],
           ["Hannah", "Lea", "Anna", "Sophie", "Marie"],
           [(n, n) for n in ("Schneider", "Becker", "Weber", "Hoffmann", "Fischer", "Wagner", "Schulz")]),
    "GB": ("en", "+44 79## ######", ["Oliver", "James", "Harry", "Thomas"], ["Emily", "Charlotte", "Amelia", "Grace"],
           [(n, n) for n in ("Bennett", "Clarke", "Whitaker", "Hughes", "Taylor", "Wright")]),
    "US": ("en", "+1 {415,212,312,617} ### ####", ["Michael", "Daniel", "Ethan", "Ryan"],
           ["Sarah", "Emma", "Olivia", "Jessica"],
           [(n, n) for n in ("Johnson", "Miller", "Garcia", "Davis", "Thompson", "Martinez")]),
    "FR": ("en", "+33 6 ## ## ## ##", ["Julien", "Thomas", "Hugo"], ["Camille", "Léa", "Chloé"],
           [(n, n) for n in ("Laurent", "Moreau", "Dubois", "Lefèvre", "Girard")]),
    "IN": ("en", "+91 98### #####", ["Arjun", "Rahul", "Vikram"], ["Priya", "Ananya", "Neha"],
           [(n, n) for n in ("Sharma", "Mehta", "Iyer", "Patel", "Gupta")]),
    "TR": ("en", "+90 53# ### ## ##", ["Emre", "Mehmet", "Can"], ["Elif", "Zeynep", "Ayşe"],
           [(n, n) for n in ("Yılmaz", "Demir", "Kaya", "Şahin", "Çelik")]),
    "IT": ("en", "+39 34# ### ####", ["Marco", "Luca", "Matteo"], ["Giulia", "Sofia", "Chiara"],
           [(n, n) for n in ("Romano", "Ricci", "Bianchi", "Esposito", "Colombo")]),
    "NL": ("en", "+31 6 ########", ["Daan", "Sem"], ["Sanne", "Lotte"],
           [(n, n) for n in ("de Vries", "Jansen", "Bakker", "Visser")]),
    "JP": ("en", "+81 90 #### ####", ["Haruto", "Ren"], ["Yuki", "Aoi"],
           [(n, n) for n in ("Tanaka", "Sato", "Suzuki", "Watanabe")]),
    "PL": ("en", "+48 5## ### ###", ["Jakub", "Piotr"], ["Zofia", "Anna"],
           [("Nowak", "Nowak"), ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"), ("Lewandowski", "Lewandowska")]),
    "ES": ("en", "+34 6## ### ###", ["Pablo", "Javier"], ["Lucía", "Carmen"],
           [(n, n) for n in ("Fernández", "García", "Martínez", "López")]),
}
CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", [
    "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f",
    "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"], strict=True))
LATIN = {"ı": "i", "ł": "l", "ø": "o", "ß": "ss"}  # letters with no plain form in Unicode's decomposition

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


def _mailbox(first: str, last: str, rng: random.Random) -> str:
    """An e-mail name as people pick them: anna.smirnova, a.smirnova, annasmirnova, sometimes with a number."""
    def plain(text):
        text = "".join(CYRILLIC.get(ch, LATIN.get(ch, ch)) for ch in text.lower())
        return "".join(ch for ch in unicodedata.normalize("NFKD", text) if ch.isascii() and ch.isalnum())

    first, last = plain(first), plain(last)
    name = rng.choice([f"{first}.{last}", f"{first[0]}.{last}", f"{first}{last}", f"{first}_{last}"])
    return name + (str(rng.randint(1, 99)) if rng.random() < 0.25 else "")


def guest(hotel_slug: str, rng: random.Random, *, today: date) -> Guest:
    mix = MIX.get(hotel_slug) or next(iter(MIX.values()))
    country = rng.choices(list(mix), weights=list(mix.values()))[0]
    locale, pattern, men, women, families = PEOPLE[country]
    woman = rng.random() < 0.5
    first, family = rng.choice(women if woman else men), rng.choice(families)[1 if woman else 0]
    # Seven in ten give a phone number (and so get WhatsApp messages too).
    phone = _phone(pattern, rng) if rng.random() < 0.7 else ""
    born = date(today.year - rng.randint(21, 72), rng.randint(1, 12), rng.randint(1, 28))
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
    return Guest(name=f"{first} {family}", email=f"{_mailbox(first, family, rng)}@{rng.choice(DOMAINS)}",
                 phone=phone, locale=locale, country=country, date_of_birth=born,
                 document_number=f"{letters}{rng.randrange(10 ** 7):07d}")
