#!/bin/sh
# containers/build-image.sh — `make image`: the OCI image localhost/sandboxrun
# from a Debian 12 root made here by debootstrap (nothing is pulled from a
# registry), with sandboxrun installed by `make install`. Root only.
#
#   build/containers/root-KEY/   the Debian root, KEY = hash of the package
#                                list (tools/install-deps.sh runtime) and of
#                                mkroot.sh; made once, reused after
#   localhost/sandboxrun-base:KEY  that root as a one-layer image
#   localhost/sandboxrun:latest    base + `make install` + entry point
#
# SOURCE_DATE_EPOCH (default: the last commit's time) is the timestamp of
# every file in both layers and of the image: the same root and the same
# build tree give the same layer digests (containers/README.md).
set -eu
cd "$(dirname "$0")/.."
top=$PWD
export CONTAINERS_CONF="$top/containers/containers.conf"
image=${IMAGE:-localhost/sandboxrun:latest}
out=build/containers
if [ "$(id -u)" -ne 0 ]; then
    echo "make image: run as root (debootstrap and a chroot make the image's root)" >&2
    exit 1
fi
for t in podman debootstrap; do
    command -v $t >/dev/null || { echo "make image: $t is missing (tools/install-deps.sh test)" >&2; exit 1; }
done
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
pkgs=$(tools/install-deps.sh runtime)
key=$( (echo "$pkgs"; cat containers/mkroot.sh) | sha256sum | cut -c1-16)
root=$out/root-$key
base=localhost/sandboxrun-base:$key

if [ ! -d "$root" ]; then
    echo "image: making the Debian root $root (debootstrap, once per package list)" >&2
    rm -rf "$out"/root-*      # the roots of other package lists, a half-made one
    podman images --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/sandboxrun-base:' |
        xargs -r podman rmi >/dev/null 2>&1 || true
    # shellcheck disable=SC2086
    DEB_CACHE=$out/debs containers/mkroot.sh "$root" $pkgs
fi
if ! podman image exists "$base"; then
    echo "image: importing $root as $base" >&2
    # a tar with a fixed order, owners by number and one mtime: the layer
    # depends on the files alone
    tar -C "$root" --sort=name --numeric-owner --mtime="@$epoch" --clamp-mtime \
        --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf - . |
        podman import --quiet - "$base" >/dev/null
fi

stage=$out/stage
rm -rf "$stage"
make --no-print-directory install DESTDIR="$top/$stage" >/dev/null
install -D -m 0755 containers/entrypoint.sh "$stage/usr/local/lib/sandboxrun-container/entrypoint.sh"
find "$stage" -exec touch -h -d "@$epoch" {} +
podman build --no-cache --quiet --timestamp "$epoch" --build-arg BASE="$base" -f containers/Containerfile \
    -t "$image" "$stage" >/dev/null
echo "image: $image $(podman image inspect --format '{{.Id}}' "$image" | cut -c1-12)" \
     "(layers: $(podman image inspect --format '{{range .RootFS.Layers}}{{.}} {{end}}' "$image"))" >&2
