#!/usr/bin/env bash
# Install what Teczka JST needs from Debian's packages when it is missing:
# LibreOffice Writer and Calc (headless), fonts with Polish glyphs, poppler (pdffonts, pdftoppm),
# qpdf (PDF checks in tests) and Chromium (for the status-page test). Runs apt-get only as root; otherwise prints the command.
set -euo pipefail

packages=(libreoffice-writer-nogui libreoffice-calc-nogui fonts-liberation2 fonts-crosextra-carlito
          fonts-dejavu-core fonts-symbola poppler-utils qpdf chromium)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Brakuje pakietów: ${missing[*]}. Zainstaluj LibreOffice (Writer, Calc), fonty Liberation i Carlito oraz poppler." >&2
  exit 2
fi
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Brakuje pakietów systemowych. Uruchom jako administrator:" >&2
  echo "  sudo apt-get update && sudo $cmd" >&2
  exit 2
fi
echo "Instaluję pakiety systemowe: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
