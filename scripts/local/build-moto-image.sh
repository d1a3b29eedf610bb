#!/usr/bin/env bash
# Build a local image running the AWS API emulator (moto server), for `sam local invoke` tests on
# machines that reach no container registry. A function container cannot reach a server on the
# host's 127.0.0.1, so the emulator runs as a container on the same Docker network instead.
# The image is this machine's Python (with the shared libraries it links) plus moto from PyPI,
# at the version requirements-dev.txt pins.
#   scripts/local/build-moto-image.sh [IMAGE]     (default: ore-moto-server:local)
set -euo pipefail
cd "$(dirname "$0")/../.."
image="${1:-ore-moto-server:local}"
moto_requirement="$(grep -E '^moto\[server\]==' requirements-dev.txt | cut -d' ' -f1)"
python="$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')"
prefix="$(python3 -c 'import sys; print(sys.base_prefix)')"
stdlib="$(python3 -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')"

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/$(dirname "$python")" "$root/$stdlib" "$root/opt/moto" "$root/tmp" "$root/lib64"
chmod 1777 "$root/tmp"
cp -L "$python" "$root/$python"
cp -a "$stdlib/." "$root/$stdlib/"
rm -rf "$root/$stdlib/test" "$root/$stdlib/idlelib" "$root/$stdlib/tkinter" "$root/$stdlib/site-packages"
mkdir -p "$root/$stdlib/site-packages"
python3 -m pip install --quiet --disable-pip-version-check --no-compile --no-warn-conflicts --target "$root/opt/moto" "$moto_requirement"

# Every shared library the interpreter and the compiled modules link, at the same paths.
find "$root" -type f \( -name '*.so*' -o -path "$root/$python" \) -print0 \
  | xargs -0 ldd 2>/dev/null | awk '/=> \// { print $3 } /^\s*\/lib64\// { print $1 }' | sort -u \
  | while read -r lib; do
      mkdir -p "$root/$(dirname "$lib")"
      cp -L "$lib" "$root/$lib"
    done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
for lib in "$prefix"/lib/libpython3*.so*; do
  [ -e "$lib" ] && mkdir -p "$root/$prefix/lib" && cp -L "$lib" "$root/$lib"
done

tar -C "$root" -c . | docker import \
  --change "ENV PYTHONPATH=/opt/moto" \
  --change "ENV PYTHONDONTWRITEBYTECODE=1" \
  --change "ENV LD_LIBRARY_PATH=$prefix/lib" \
  --change "ENTRYPOINT [\"$python\", \"-m\", \"moto.server\"]" \
  --change 'CMD ["-H", "0.0.0.0", "-p", "5000"]' \
  - "$image" >/dev/null
echo "built $image"
