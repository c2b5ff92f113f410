"""The simulators are the demo's: demo mode (and the tests) install them, production has neither their
tables nor their providers, and a demo database that moves them keeps what they recorded."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from innkeeper import config
from innkeeper.core import providers as registry
from tests.test_config import PRODUCTION

ROOT = Path(__file__).resolve().parent.parent
SIMULATOR_TABLES = {"simulators_simulatedmessage", "simulators_simulatedpasscode", "simulators_simulatedunlock"}
OLD_TABLES = {"messaging_simulatedmessage", "locks_simulatedpasscode", "locks_simulatedunlock"}


def run(probe: str, env: dict) -> dict:
    """``probe`` in a fresh process with ``env`` (Django set up from it); its last line of output, as JSON."""
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "INNKEEPER_MODE", "ALLOWED_HOSTS")}
    script = "import django, json\ndjango.setup()\n" + probe
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**base, **env, "DJANGO_SETTINGS_MODULE": "innkeeper.settings"})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_demo_mode_installs_the_simulators_and_registers_their_providers():
    from innkeeper.dashboard.forms import LockAccountForm, MessagingAccountForm

    assert apps.is_installed("innkeeper.simulators")
    assert "simulator" in registry.names("lock") and "simulator" in registry.names("whatsapp")
    assert [value for value, _label in LockAccountForm().fields["provider"].choices] == ["ttlock", "simulator"]
    assert "simulator" in [value for value, _label in MessagingAccountForm().fields["whatsapp_provider"].choices]


def test_production_refuses_every_simulator_with_one_clear_message(tmp_path):
    with pytest.raises(ImproperlyConfigured) as err:
        config.load(tmp_path, {**PRODUCTION, "LOCK_PROVIDER": "simulator", "WHATSAPP_PROVIDER": "simulator",
                               "EMAIL_BACKEND": config.SIMULATOR_EMAIL_BACKEND})
    message = str(err.value)
    assert "LOCK_PROVIDER=simulator is for demo mode only (production installs no simulators): use ttlock" in message
    assert ("WHATSAPP_PROVIDER=simulator is for demo mode only (production installs no simulators): use waha, "
            "cloud, twilio or off") in message
    assert (f"EMAIL_BACKEND={config.SIMULATOR_EMAIL_BACKEND} is for demo mode only (production installs no "
            "simulators)") in message


def test_the_simulators_old_email_backend_path_still_works_in_the_demo(tmp_path):
    old = "innkeeper.messaging.providers.simulator.EmailBackend"
    assert config.load(tmp_path, {"EMAIL_BACKEND": old}).email["backend"] == config.SIMULATOR_EMAIL_BACKEND
    with pytest.raises(ImproperlyConfigured, match="is for demo mode only"):
        config.load(tmp_path, {**PRODUCTION, "EMAIL_BACKEND": old})


def test_a_production_database_never_gets_the_simulator_tables(tmp_path):
    found = run(
        "from django.apps import apps\n"
        "from django.core.management import call_command\n"
        "from django.db import connection\n"
        "from innkeeper.core import providers\n"
        "from innkeeper.dashboard.forms import LockAccountForm, MessagingAccountForm\n"
        "call_command('migrate', verbosity=0)\n"
        "offered = lambda form, name: [value for value, _label in form().fields[name].choices]\n"
        "print(json.dumps({'installed': apps.is_installed('innkeeper.simulators'),\n"
        "                  'lock': providers.names('lock'), 'whatsapp': providers.names('whatsapp'),\n"
        "                  'offered': [offered(LockAccountForm, 'provider'),\n"
        "                              offered(MessagingAccountForm, 'whatsapp_provider')],\n"
        "                  'tables': connection.introspection.table_names()}))\n",
        {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}"})
    assert found["installed"] is False
    assert (found["lock"], found["whatsapp"]) == (["ttlock"], ["cloud", "off", "twilio", "waha"])
    assert found["offered"] == [["ttlock"], ["", "waha", "cloud", "twilio", "off"]]  # the panel offers no simulator
    assert "locks_lockkey" in found["tables"] and "messaging_message" in found["tables"]  # it did migrate
    assert [t for t in found["tables"] if "simulat" in t] == []


def test_a_demo_database_keeps_what_the_simulators_recorded_when_they_move(tmp_path):
    """Rows written before the move (in the tables of locks and messaging) are in the simulators' tables
    after it, the unlock still pointing at its passcode."""
    found = run(
        "from django.core.management import call_command\n"
        "from django.db import connection\n"
        "call_command('migrate', 'locks', '0004', verbosity=0)\n"
        "call_command('migrate', 'messaging', '0007', verbosity=0)\n"
        "with connection.cursor() as c:\n"
        "    c.execute(\"INSERT INTO locks_simulatedpasscode (lock_id, pin, name, valid_from, valid_until)\"\n"
        "              \" VALUES ('SIM-x-101', '123456', '7:1', '2026-01-01', '2026-01-03')\")\n"
        "    c.execute(\"INSERT INTO locks_simulatedunlock (lock_id, method, passcode_id, at)\"\n"
        "              \" VALUES ('SIM-x-101', 'keypad', 1, '2026-01-02')\")\n"
        "    c.execute(\"INSERT INTO messaging_simulatedmessage (channel, key, recipient, sender, subject, body_text,\"\n"
        "              \" body_html, guest, created_at) VALUES ('WHATSAPP', 'k1', '+79161234567', '', '', 'Hello', '',\"\n"
        "              \" 1, '2026-01-01')\")\n"
        "call_command('migrate', verbosity=0)\n"
        "from innkeeper.simulators.models import SimulatedMessage, SimulatedUnlock\n"
        "unlock = SimulatedUnlock.objects.select_related('passcode').get()\n"
        "print(json.dumps({'tables': connection.introspection.table_names(),\n"
        "                  'unlock': [unlock.lock_id, unlock.method, unlock.passcode.pin],\n"
        "                  'messages': list(SimulatedMessage.objects.values_list('key', 'body_text', 'guest'))}))\n",
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"})
    assert set(found["tables"]) >= SIMULATOR_TABLES and not OLD_TABLES & set(found["tables"])
    assert found["unlock"] == ["SIM-x-101", "keypad", "123456"]
    assert found["messages"] == [["k1", "Hello", True]]
