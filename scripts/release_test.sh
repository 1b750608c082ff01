#!/usr/bin/env bash
# End-to-end test of the release path: builds and signs a release with a
# throwaway key, checks that it verifies, then checks that each kind of
# tampering makes verification FAIL. The test fails if any tampered release
# verifies.
#
#   PLATFORMS="linux/amd64" scripts/release_test.sh
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ssh-keygen -q -t ed25519 -N '' -C 'volley release test (throwaway)' -f "$tmp/key"
ssh-keygen -q -t ed25519 -N '' -C 'attacker (throwaway)' -f "$tmp/evil"

export VERSION=0.0.0-releasetest ALLOW_DIRTY=1
DIST="$tmp/dist" VOLLEY_SIGNING_KEY="$tmp/key" "$VOLLEY_ROOT/scripts/release.sh"

pass=0 fail=0
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$*"; }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }

# verify DIR [ENV...] runs verify-release.sh on DIR; the trusted key is always
# the genuine one, as a user holding the published key would have it.
verify() {
	local d=$1
	shift
	env ALLOWED_SIGNERS="$tmp/dist/allowed_signers" "$@" "$VOLLEY_ROOT/scripts/verify-release.sh" "$d" >"$tmp/out" 2>&1
}
expect_pass() {
	if verify "$@"; then ok "$name verifies"; else bad "$name should verify: $(cat "$tmp/out")"; fi
}
expect_fail() {
	if verify "$@"; then bad "$name VERIFIED but must not"; else ok "$name rejected: $(tail -n1 "$tmp/out")"; fi
}
copy() { rm -rf "${tmp:?}/$1" && cp -r "$tmp/dist" "$tmp/$1"; }

bin=$(find "$tmp/dist" -name 'volley-*' ! -name '*.json' | LC_ALL=C sort | head -n1)
[[ -n "$bin" ]] || { bad "release produced no binary"; exit 1; }
[[ -s "$bin.cdx.json" ]] || bad "release produced no SBOM for $(basename "$bin")"
[[ $(wc -l <"$tmp/dist/SHA256SUMS") -ge 2 ]] || bad "SHA256SUMS lists fewer than 2 files"
for f in volley-0.0.0-releasetest-oci.tar volley-0.0.0-releasetest-oci.cdx.json; do
	grep -q " $f\$" "$tmp/dist/SHA256SUMS" || bad "release has no signed $f"
done
binname=$(basename "$bin")

name="genuine release"
expect_pass "$tmp/dist"

name="genuine release with pinned fingerprint"
expect_pass "$tmp/dist" VOLLEY_RELEASE_FINGERPRINT="$(ssh-keygen -l -f "$tmp/key.pub" | awk '{print $2}')"

name="tampered binary (one byte flipped)"
copy t1
b=$(od -An -tu1 -j4096 -N1 "$tmp/t1/$binname" | tr -d ' ')
# shellcheck disable=SC2059 # the format is the octal escape of the new byte
printf "\\$(printf '%03o' $(((b + 1) % 256)))" | dd of="$tmp/t1/$binname" bs=1 seek=4096 conv=notrunc status=none
cmp -s "$tmp/t1/$binname" "$bin" && bad "test setup: the binary did not change"
expect_fail "$tmp/t1"

name="tampered SHA256SUMS (hash swapped for a replacement binary's)"
copy t2
printf 'malicious' >"$tmp/t2/$binname"
sum=$(sha256sum "$tmp/t2/$binname" | awk '{print $1}')
awk -v f="$binname" -v s="$sum" '$2 == f { $1 = s } { print $1 "  " $2 }' "$tmp/dist/SHA256SUMS" >"$tmp/t2/SHA256SUMS"
expect_fail "$tmp/t2"

name="SHA256SUMS re-signed by another key"
copy t3
cp "$tmp/t2/$binname" "$tmp/t2/SHA256SUMS" "$tmp/t3/"
rm -f "$tmp/t3/SHA256SUMS.sig"
ssh-keygen -q -Y sign -f "$tmp/evil" -n file "$tmp/t3/SHA256SUMS"
expect_fail "$tmp/t3"

name="signature made in another namespace"
copy t4
rm -f "$tmp/t4/SHA256SUMS.sig"
ssh-keygen -q -Y sign -f "$tmp/key" -n git "$tmp/t4/SHA256SUMS"
expect_fail "$tmp/t4"

name="tampered image (a byte of the layout changed)"
copy t6
printf 'X' | dd of="$tmp/t6/volley-0.0.0-releasetest-oci.tar" bs=1 seek=600 conv=notrunc status=none
expect_fail "$tmp/t6"

name="extra file not listed in SHA256SUMS"
copy t5
cp "$bin" "$tmp/t5/volley-0.0.0-releasetest-plan9-amd64"
expect_fail "$tmp/t5"

name="wrong pinned fingerprint"
expect_fail "$tmp/dist" VOLLEY_RELEASE_FINGERPRINT="$(ssh-keygen -l -f "$tmp/evil.pub" | awk '{print $2}')"

printf 'release-test: %d passed, %d failed\n' "$pass" "$fail"
((fail == 0))
