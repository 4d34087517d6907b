#!/usr/bin/env bash
# System packages dlbio uses: Ghostscript + URW fonts (PNG/PDF logos), Lmod (module tests).
# Installs them with apt-get when run as root and they are missing; otherwise says what to install.
set -u
need=()
command -v gs >/dev/null 2>&1 || need+=(ghostscript)
[ -d /usr/share/fonts/type1/urw-base35 ] || [ -d /usr/share/fonts/opentype/urw-base35 ] || need+=(fonts-urw-base35)
[ -x /usr/share/lmod/lmod/libexec/lmod ] || ls /usr/share/lmod/*/libexec/lmod >/dev/null 2>&1 || need+=(lmod)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null || {
    echo "apt-get could not install ${need[*]}; PNG logos or module tests may not work" >&2; exit 0; }
else
  echo "please install: ${need[*]} (e.g. sudo apt-get install ${need[*]}); PNG logos need Ghostscript + fonts-urw-base35" >&2
fi
