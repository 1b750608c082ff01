#!/usr/bin/env bash
# Builds a release of volley into $DIST (default dist/):
#   volley-$VERSION-$GOOS-$GOARCH           static binaries, reproducible
#   volley-$VERSION-$GOOS-$GOARCH.cdx.json  CycloneDX SBOM of each binary
#   volley-$VERSION-oci.tar                 the container image of the linux binaries, an OCI
#                                           image layout in a tar (skopeo's oci-archive)
#   volley-$VERSION-oci.cdx.json            CycloneDX SBOM of the image
#   SHA256SUMS                              sha256 of all of the above
#   SHA256SUMS.sig                          ssh-keygen -Y sign -n file signature
#   allowed_signers                         the signer's public key, for ssh-keygen -Y verify
#
#   VERSION=1.2.3 VOLLEY_SIGNING_KEY=~/.ssh/volley_release scripts/release.sh
#
# Environment:
#   VERSION             required, x.y.z[-pre]; stamped into main.version
#   VOLLEY_SIGNING_KEY  path to the ed25519 private key (never commit it); its
#                       public half is read from PATH.pub when that exists
#   ALLOW_DIRTY=1       build even if the work tree has uncommitted changes
#   VOLLEY_UNSIGNED=1   skip signing (reproducibility checks only; not for publishing)
#   PLATFORMS           default "linux/amd64 linux/arm64 darwin/amd64 darwin/arm64"
#   DIST                output directory, default dist
#   SOURCE_DATE_EPOCH   the image's time stamps; default: the time of the HEAD commit
#
# The output depends only on the source tree, VERSION and the pinned toolchain:
# no paths (-trimpath), no build IDs, no VCS stamps, no timestamps, no cgo,
# fixed GOAMD64/GOARM64 levels, and GOFLAGS from the caller's environment are
# not used.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

SIGNER_ID="release@volley"   # principal in allowed_signers
SIG_NAMESPACE="file"         # ssh-keygen -Y namespace: signatures over release files

version="${VERSION:-}"
[[ -n "$version" ]] || die "set VERSION, e.g. make release VERSION=1.2.3"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
	die "VERSION \"$version\" is not of the form x.y.z or x.y.z-pre (no leading v)"
platforms="${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64}"

cd "$VOLLEY_ROOT"
dist="${DIST:-dist}"
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)

ls cmd/volley/*.go >/dev/null 2>&1 || die "cmd/volley has no Go files yet; nothing to release"

# Same bytes need the same compiler: build only with the toolchain go.mod pins.
want=$(sed -n 's/^toolchain //p' go.mod)
have=$(go env GOVERSION)
[[ -z "$want" || "$have" == "$want" ]] ||
	die "go.mod pins $want but GOTOOLCHAIN=$GOTOOLCHAIN gives $have; release builds use the pinned toolchain"

if [[ "${ALLOW_DIRTY:-0}" != 1 ]]; then
	git rev-parse --verify -q HEAD >/dev/null || die "no commit to release (set ALLOW_DIRTY=1 to build the work tree anyway)"
	exclude=()
	case "$dist/" in "$VOLLEY_ROOT"/*) exclude=(":(exclude)${dist#"$VOLLEY_ROOT"/}") ;; esac
	dirty=$(git status --porcelain -- . "${exclude[@]}")
	[[ -z "$dirty" ]] || die "work tree has uncommitted changes (set ALLOW_DIRTY=1 to build anyway):
$dirty"
fi

key="${VOLLEY_SIGNING_KEY:-}"
if [[ "${VOLLEY_UNSIGNED:-0}" != 1 ]]; then
	[[ -n "$key" ]] || die "set VOLLEY_SIGNING_KEY to the path of the ed25519 release key (or VOLLEY_UNSIGNED=1 for an unsigned test build)"
	[[ -r "$key" ]] || die "cannot read signing key $key"
	if [[ -r "$key.pub" ]]; then pub=$(cat "$key.pub"); else pub=$(ssh-keygen -y -f "$key") || die "cannot read the public key of $key"; fi
	[[ "$pub" == ssh-ed25519\ * ]] || die "signing key $key is not an ed25519 key"
fi

# Remove only what this script writes, so a mistaken DIST cannot wipe a directory.
rm -f "$dist"/volley-* "$dist"/SHA256SUMS "$dist"/SHA256SUMS.sig "$dist"/allowed_signers

goflags="-mod=readonly"
case " ${GOFLAGS:-} " in *" -modcacherw "*) goflags="$goflags -modcacherw" ;; esac

# Build the SBOM tool for the host once (go tool would build it for the target
# GOOS/GOARCH). -trimpath: the SBOM records the tool's own hashes, which must
# not depend on where the module cache is.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GOFLAGS="$goflags" go build -modfile="$VOLLEY_ROOT/tools/go.mod" -trimpath -buildvcs=false -ldflags=-buildid= \
	-o "$tmp/cyclonedx-gomod" github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod
# The image builder (tools/ociimage, go-containerregistry), for the host, the same way.
(cd tools && GOFLAGS="$goflags" go build -trimpath -buildvcs=false -ldflags=-buildid= -o "$tmp/ociimage" ./ociimage)

for p in $platforms; do
	os=${p%/*} arch=${p#*/}
	out="$dist/volley-$version-$os-$arch"
	log "build $os/$arch"
	env CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" GOAMD64=v1 GOARM64=v8.0 GOEXPERIMENT= GOFLAGS="$goflags" \
		go build -trimpath -buildvcs=false -ldflags="-buildid= -X main.version=$version" -o "$out" ./cmd/volley
	log "sbom  $os/$arch"
	env CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" GOFLAGS="$goflags" \
		"$tmp/cyclonedx-gomod" app -json -licenses -noserial -notimestamp \
		-main cmd/volley -output "$tmp/sbom.json" "$VOLLEY_ROOT" 2>"$tmp/sbom.log" ||
		{ cat "$tmp/sbom.log" >&2; die "SBOM generation failed for $os/$arch"; }
	# The tool names the main module by its git pseudo-version; the release
	# is v$VERSION, so name it that everywhere (bom-ref, purl, version).
	mainver=$(jq -r '.metadata.component.version // empty' "$tmp/sbom.json")
	[[ -n "$mainver" ]] || die "SBOM for $os/$arch names no main component version"
	jq --arg old "$mainver" --arg new "v$version" \
		'walk(if type == "string" then split($old) | join($new) else . end)' "$tmp/sbom.json" >"$out.cdx.json"
done

# The image: the linux binaries just built, so its files are the release's, and it is signed
# with them through SHA256SUMS. Its time stamps are the commit's, so every build of a commit
# gives the same image digest.
image=()
for p in $platforms; do
	[[ $p == linux/* ]] && image+=(-bin "$p=$dist/volley-$version-${p%/*}-${p#*/}")
done
if ((${#image[@]})); then
	epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
	log "image linux (OCI layout, SOURCE_DATE_EPOCH=$epoch)"
	digest=$("$tmp/ociimage" -version "$version" -epoch "$epoch" -license LICENSE -notice NOTICE "${image[@]}" \
		-o "$dist/volley-$version-oci.tar" -sbom "$dist/volley-$version-oci.cdx.json") || die "image build failed"
	log "image index digest $digest"
fi

(cd "$dist" && LC_ALL=C sha256sum -- volley-"$version"-* | LC_ALL=C sort -k2 >SHA256SUMS)

if [[ "${VOLLEY_UNSIGNED:-0}" != 1 ]]; then
	log "sign  SHA256SUMS (namespace $SIG_NAMESPACE)"
	ssh-keygen -q -Y sign -f "$key" -n "$SIG_NAMESPACE" "$dist/SHA256SUMS" </dev/null ||
		die "signing failed"
	# Principal, namespace restriction, key type and key; the comment is dropped.
	read -r ktype kdata _ <<<"$pub"
	printf '%s namespaces="%s" %s %s\n' "$SIGNER_ID" "$SIG_NAMESPACE" "$ktype" "$kdata" >"$dist/allowed_signers"
fi

log "release $version in $dist:"
(cd "$dist" && cat SHA256SUMS)
