#!/usr/bin/env bash
# Verifies a volley release directory: the signature over SHA256SUMS, then
# every file's hash, and that no release file is left out of SHA256SUMS.
#
#   scripts/verify-release.sh [DIR]            (default dist)
#
# Environment:
#   ALLOWED_SIGNERS       trusted allowed_signers file; default DIR/allowed_signers.
#                         A key shipped beside the files proves only that they
#                         are intact; authenticity needs a key obtained apart
#                         from them: pass the project's published file, or
#   VOLLEY_RELEASE_FINGERPRINT  the SHA256:... fingerprint the signing key must have.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

SIGNER_ID="release@volley"
SIG_NAMESPACE="file"

dir="${1:-${DIST:-dist}}"
[[ -d "$dir" ]] || die "no release directory $dir"
signers="${ALLOWED_SIGNERS:-$dir/allowed_signers}"
for f in "$dir/SHA256SUMS" "$dir/SHA256SUMS.sig" "$signers"; do
	[[ -f "$f" ]] || die "missing $f"
done

fp=$(awk -v id="$SIGNER_ID" '$1 == id { print $3, $4; exit }' "$signers" | ssh-keygen -l -f - 2>/dev/null | awk '{ print $2 }') || true
[[ -n "$fp" ]] || die "$signers has no key for $SIGNER_ID"
if [[ -n "${VOLLEY_RELEASE_FINGERPRINT:-}" && "$fp" != "$VOLLEY_RELEASE_FINGERPRINT" ]]; then
	die "signing key is $fp, expected $VOLLEY_RELEASE_FINGERPRINT"
fi

ssh-keygen -Y verify -f "$signers" -I "$SIGNER_ID" -n "$SIG_NAMESPACE" \
	-s "$dir/SHA256SUMS.sig" <"$dir/SHA256SUMS" >/dev/null 2>&1 ||
	die "BAD SIGNATURE: $dir/SHA256SUMS is not signed by $SIGNER_ID ($fp) in namespace $SIG_NAMESPACE"

(cd "$dir" && sha256sum --quiet --strict -c SHA256SUMS) ||
	die "BAD CHECKSUM: a file in $dir does not match SHA256SUMS"

# A file nobody signed must not pass as part of the release.
listed=$(awk '{ sub(/^\*/, "", $2); print $2 }' "$dir/SHA256SUMS")
for f in "$dir"/volley-*; do
	[[ -e "$f" ]] || continue
	grep -qxF -- "$(basename "$f")" <<<"$listed" || die "UNSIGNED FILE: $f is not listed in SHA256SUMS"
done

log "release in $dir verified: $(wc -l <"$dir/SHA256SUMS") files, signed by $SIGNER_ID $fp"
