#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innkeeper.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        if "Innkeeper cannot start" not in str(exc):
            raise
        print(exc, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
