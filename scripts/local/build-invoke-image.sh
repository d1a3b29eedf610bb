#!/usr/bin/env bash
# Build a minimal local image for the provided.al2023 runtime, for `sam local invoke --invoke-image`
# on machines that reach no container registry. Everything comes from Debian packages and this
# machine: busybox-static gives /bin/sh, mv and chmod (SAM runs them to add its bundled Lambda
# Runtime Interface Emulator), ca-certificates the root certificates, and the glibc libraries the
# x86_64 bootstrap links are copied in.
#   scripts/local/build-invoke-image.sh [IMAGE]     (default: ore-lambda-local:provided.al2023)
set -euo pipefail
image="${1:-ore-lambda-local:provided.al2023}"
[ "$(uname -m)" = x86_64 ] || { echo "this builds an x86_64 image" >&2; exit 1; }
if ! dpkg -s busybox-static >/dev/null 2>&1 || [ ! -f /etc/ssl/certs/ca-certificates.crt ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static ca-certificates >/dev/null
fi
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,lib64,lib/x86_64-linux-gnu,etc/ssl/certs,etc/pki/tls/certs,tmp,var/task,var/runtime,var/rapid,opt}
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for tool in sh mv chmod cp ls cat mkdir rm env echo; do ln -s busybox "$root/bin/$tool"; done
for lib in libc.so.6 libm.so.6 libgcc_s.so.1 libpthread.so.0 libdl.so.2 librt.so.1; do
  [ -e "/lib/x86_64-linux-gnu/$lib" ] && cp -L "/lib/x86_64-linux-gnu/$lib" "$root/lib/x86_64-linux-gnu/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
# The SDK's TLS stack loads the system's root certificates at start, as on Amazon Linux.
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/pki/tls/certs/ca-bundle.crt"
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'sbx_user1051:x:993:990::/home/sbx_user1051:/sbin/nologin' >> "$root/etc/passwd"
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin:/opt/bin' \
  --change 'ENV LAMBDA_TASK_ROOT=/var/task' \
  --change 'ENV LAMBDA_RUNTIME_DIR=/var/runtime' \
  --change 'WORKDIR /var/task' \
  - "$image" >/dev/null
# SAM caches the image it derives from this one (tag "rapid-<arch>"): drop it so the next
# sam local invoke builds on the new base.
docker images --format '{{.Repository}}:{{.Tag}}' "${image%%:*}" | { grep ':rapid-' || true; } | xargs -r docker rmi -f >/dev/null
echo "built $image"
