#!/usr/bin/env bash
# reveal.js for offline HTML decks: manim-slides' HTML loads reveal.js from a CDN by default;
# this unpacks the same version (from the npm registry) into slides/reveal.js, so
# `manim-slides convert ... -ccdn_url=slides/reveal.js` gives a deck that works with no network.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${REVEALJS_VERSION:-6.0.1}"  # the version manim-slides 5.7.0's template is written for
target=slides/reveal.js
[ -f "$target/dist/reveal.js" ] && exit 0
command -v npm >/dev/null || {
    echo "revealjs.sh: npm is needed to fetch reveal.js $version into $target (apt-get install npm)" >&2
    exit 2
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "reveal.js@$version" >/dev/null)
mkdir -p "$tmp/out" "$(dirname "$target")"
tar xzf "$tmp"/reveal.js-*.tgz -C "$tmp/out" --strip-components=1 package/dist
rm -rf "$target" && mv "$tmp/out" "$target"  # whole or not at all: the check above trusts it
echo "reveal.js $version in $target"
