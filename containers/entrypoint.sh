#!/bin/sh
# The image's entry point: `sandboxrun serve --http 0.0.0.0:8080` with the
# auth file from the mounted secret. The service accepts only a keys file
# owned by its own uid with mode 0600; a Kubernetes Secret volume is owned
# by root (group fsGroup), so the file is copied first into the memory-backed
# /run/sandboxrun (an emptyDir), readable by this uid alone. Extra arguments
# go to serve (--max-sessions, --memory, ...); SANDBOXRUN_POD_ID (a
# StatefulSet pod's name, from the downward API) becomes --pod-id.
set -eu
src=${SANDBOXRUN_AUTH:-/etc/sandboxrun/auth/auth.json}
dst=/run/sandboxrun/auth.json
if [ ! -r "$src" ]; then
    echo "sandboxrun container: no readable auth file at $src (mount the Secret there)" >&2
    exit 2
fi
umask 077
cat "$src" >"$dst.new"
mv -f "$dst.new" "$dst"
if [ -n "${SANDBOXRUN_POD_ID:-}" ]; then
    set -- --pod-id "$SANDBOXRUN_POD_ID" "$@"
fi
exec /usr/local/bin/sandboxrun serve --http "${SANDBOXRUN_LISTEN:-0.0.0.0:8080}" --auth "$dst" "$@"
