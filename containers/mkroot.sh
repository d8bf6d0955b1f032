#!/bin/sh
# containers/mkroot.sh DIR PACKAGE... — the image's Debian 12 root, made by
# debootstrap (minbase) and apt-get inside it, with nothing pulled from a
# container registry. Run by build-image.sh as root; DIR must not exist.
#
# Debian packages are fetched from $DEBIAN_MIRROR (default deb.debian.org)
# into $DEB_CACHE (kept under build/, seeded from the host's apt cache), so
# that a rebuild of the root downloads only what changed.
set -eu
dir=$1; shift
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
cache=${DEB_CACHE:?}
uid=${SANDBOXRUN_UID:-10001}

mkdir -p "$cache"
# the host's own downloads of the same packages (apt checks every .deb's
# hash against the index, so a stale one is fetched again, never used)
for d in /var/cache/apt/archives/*.deb; do
    [ -e "$d" ] && [ ! -e "$cache/${d##*/}" ] && { ln "$d" "$cache/" 2>/dev/null || cp "$d" "$cache/"; }
done

tmp=$dir.tmp
rm -rf "$tmp"
debootstrap --variant=minbase --cache-dir="$(realpath "$cache")" bookworm "$tmp" "$mirror" >&2

cat >"$tmp/etc/apt/sources.list" <<EOS
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOS
# a chroot with the package cache bind-mounted; undone whatever happens
mount --bind "$cache" "$tmp/var/cache/apt/archives"
mount -t proc proc "$tmp/proc"
undo() { umount "$tmp/proc" 2>/dev/null; umount "$tmp/var/cache/apt/archives" 2>/dev/null; }
trap undo EXIT
trap 'undo; exit 1' INT TERM HUP
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
chroot "$tmp" apt-get update -qq
chroot "$tmp" apt-get -y -qq dist-upgrade >&2
# shellcheck disable=SC2068
chroot "$tmp" apt-get install -y -qq --no-install-recommends $@ >&2
# the service's user: no login, no home; the jail maps it to 1000 inside
chroot "$tmp" groupadd --system --gid "$uid" sandboxrun
chroot "$tmp" useradd --system --uid "$uid" --gid "$uid" --home-dir /nonexistent --no-create-home \
    --shell /usr/sbin/nologin sandboxrun
install -d -o "$uid" -g "$uid" -m 0700 "$tmp/run/sandboxrun"
umount "$tmp/proc" "$tmp/var/cache/apt/archives"
trap - EXIT INT TERM HUP

# what differs between two identical installs: logs, the apt lists, caches,
# ids minted at install time; the container runtime supplies resolv.conf,
# hostname and hosts
rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/apt/*.bin "$tmp"/var/cache/debconf/*-old \
       "$tmp"/var/lib/dpkg/*-old "$tmp"/var/cache/ldconfig/aux-cache "$tmp"/tmp/* "$tmp"/var/tmp/*
find "$tmp/var/log" -type f -delete
: >"$tmp/etc/machine-id"
rm -f "$tmp/etc/resolv.conf" "$tmp/etc/hostname" "$tmp"/etc/*-
mv "$tmp" "$dir"
