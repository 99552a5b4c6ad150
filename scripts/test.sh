#!/usr/bin/env bash
# Installs everything the tests need on a Debian 12 machine (Dovecot, PostgreSQL, Chromium, a
# virtualenv with mailbot and its test dependencies), then runs ruff and the whole test suite.
# CI (.ci/run) calls exactly this. Re-running it is cheap: installed pieces are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
[ -x /usr/lib/dovecot/lmtp ] || need+=(dovecot-lmtpd)  # LMTP delivery: redelivered copies (D04)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# The PostgreSQL store's tests start a private cluster with Debian's initdb and pg_ctl.
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)  # verifies the unit, rates its confinement
python3 -c 'import ensurepip' >/dev/null 2>&1 || need+=(python3-venv)  # Debian splits venv out
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  # The packages start a system-wide Dovecot and PostgreSQL; the tests run their own on loopback.
  $SUDO systemctl disable --now dovecot >/dev/null 2>&1 || true
  $SUDO systemctl disable --now postgresql >/dev/null 2>&1 || true
fi

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e '.[test]'

export CI="${CI:-1}"   # a missing server fails the tests instead of skipping them
.venv/bin/ruff check mailbot tests bench
.venv/bin/python -m pytest -q "$@"
