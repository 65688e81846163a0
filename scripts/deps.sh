#!/bin/sh
# Installs the Debian packages ordex needs to build and test, when they are
# missing. As root it runs apt-get; otherwise it prints the exact command.
set -eu
PKGS="gcc make pkg-config libmicrohttpd-dev libsqlite3-dev libsodium-dev libunistring-dev libcmocka-dev libcurl4-openssl-dev libssl-dev curl"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "ordex: missing packages:$missing" >&2
	echo "ordex: install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "ordex: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq $missing >&2
