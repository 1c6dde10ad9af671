#!/usr/bin/env bash
# Re-extract the interface strings and merge them into the catalogues (then translate the new
# entries in portal/translations/vi/LC_MESSAGES/messages.po, and those of the public pages in
# portal/translations/zh/LC_MESSAGES/messages.po: tests/portal/test_i18n_zh.py lists them).
# English is the msgid language.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel -q extract -F portal/babel.cfg -k _ -k gettext -k ngettext -k lazy_gettext -k _l \
  --no-location --sort-output -o portal/translations/messages.pot portal
for locale in vi en zh; do
  po="portal/translations/$locale/LC_MESSAGES/messages.po"
  if [[ -f "$po" ]]; then
    .venv/bin/pybabel -q update --no-fuzzy-matching -i portal/translations/messages.pot \
      -d portal/translations -l "$locale"
  else
    .venv/bin/pybabel -q init -i portal/translations/messages.pot -d portal/translations -l "$locale"
  fi
done
