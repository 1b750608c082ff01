#!/usr/bin/env bash
# bench/compare.sh: volley beside the reference load generator, against the same nginx, on this
# machine. The reference is wrk for HTTP/1.1 and h2load for HTTP/2 (--h2). The number that
# matters is CPU time per request (user+sys from GNU time, divided by the requests completed):
# it does not depend on how fast nginx is, only on how much the generator spends.
#
#   bench/compare.sh [options] VOLLEY_BINARY
#     -c N       connections (50)                 -d SECS  seconds per run (5)
#     -r N       runs of each tool (3)            -p PATH  URL path (/hello; also /1k.bin, /64k.bin)
#     -s FILE    Lua script, given to wrk and volley alike
#     -a ARGS    extra arguments for volley only (split on spaces)
#     --https    nginx over TLS (volley gets -k; wrk does not verify)
#     --h2 M     HTTP/2 with M streams per connection: h2load -m M against volley --http2 --streams M
#
# How: one nginx worker pinned to CPU 0, the generator pinned to CPU 1, both tools one thread;
# runs alternate reference, volley, reference, volley… so that drift on a shared machine hits
# both. Every run prints a row; the last lines are each tool's medians and volley/reference
# ratios. Only 127.0.0.1 is targeted. Installs nginx-light, wrk, nghttp2-client, time and
# openssl with apt-get when they are missing (needs root then).
set -euo pipefail

die() { printf 'compare.sh: %s\n' "$*" >&2; exit 2; }

conns=50 secs=5 runs=3 path=/hello script="" https=0 streams=0
extra=()
while (($# > 1)); do
	case $1 in
	-c) conns=$2 ;;
	-d) secs=$2 ;;
	-r) runs=$2 ;;
	-p) path=$2 ;;
	-s) script=$(realpath "$2") ;;
	-a) read -ra extra <<<"$2" ;;
	--https) https=1; shift; continue ;;
	--h2) streams=$2 ;;
	*) die "unknown option $1 (see the comment at the top of this script)" ;;
	esac
	shift 2
done
(($# == 1)) || die "usage: compare.sh [options] VOLLEY_BINARY"
volley=$(realpath "$1")
[[ -x $volley ]] || die "$volley is not an executable"
for n in "$conns" "$secs" "$runs" "$streams"; do
	[[ $n =~ ^[0-9]+$ ]] || die "$n is not a number"
done
[[ $path == /* ]] || die "-p $path: a path starts with /"
[[ -z $script || -r $script ]] || die "-s: cannot read $script"

# What is missing, by Debian package.
need=()
command -v nginx >/dev/null || need+=(nginx-light)
command -v openssl >/dev/null || need+=(openssl)
[[ -x /usr/bin/time ]] || need+=(time)
if ((streams)); then
	command -v h2load >/dev/null || need+=(nghttp2-client)
else
	command -v wrk >/dev/null || need+=(wrk)
fi
if ((${#need[@]})); then
	((EUID == 0)) || die "needs ${need[*]} (apt-get install ${need[*]}, as root)"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null ||
		die "could not install ${need[*]}"
fi

# CPU 0 for nginx, CPU 1 for the generator: each gets a core, and neither steals the other's.
if (($(nproc) >= 2)); then
	server_cpu=(taskset -c 0) client_cpu=(taskset -c 1)
else
	server_cpu=() client_cpu=()
	echo "# one CPU only: nginx and the generator share it, the ratio still compares like with like" >&2
fi
ulimit -n 65536 2>/dev/null || true

work=$(mktemp -d /tmp/volley-compare.XXXXXX)
nginx_pid=""
cleanup() {
	if [[ -n $nginx_pid ]]; then
		kill -QUIT "$nginx_pid" 2>/dev/null || true
		wait "$nginx_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# nginx's workers drop root for "nobody": the document root and its files must be theirs to
# read whatever the caller's umask (mktemp -d gives 0700).
mkdir -p "$work/www" "$work/logs" "$work/tmp"
head -c 1024 /dev/urandom >"$work/www/1k.bin"
head -c 65536 /dev/urandom >"$work/www/64k.bin"
chmod 0755 "$work" "$work/www"
chmod 0644 "$work/www/1k.bin" "$work/www/64k.bin"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
	-days 2 -subj /CN=127.0.0.1 >/dev/null 2>&1 || die "openssl could not make a certificate"

# Four ports below the ephemeral range: HTTP/1.1, HTTP/1.1 over TLS, h2c, h2 over TLS.
port=$((20000 + RANDOM % 12000))
cat >"$work/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile 65536;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
daemon off;
events { worker_connections 60000; use epoll; multi_accept on; }
http {
  access_log off; sendfile on; tcp_nodelay on; server_tokens off;
  keepalive_timeout 120s; keepalive_requests 100000000;
  client_body_temp_path $work/tmp/body; proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fcgi; uwsgi_temp_path $work/tmp/uwsgi; scgi_temp_path $work/tmp/scgi;
  default_type application/octet-stream;
  ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem;
  http2_max_requests 100000000; http2_max_concurrent_streams 256;
  server {
    listen 127.0.0.1:$port backlog=8192;
    listen 127.0.0.1:$((port + 1)) ssl backlog=8192;
    listen 127.0.0.1:$((port + 2)) http2 backlog=8192;
    listen 127.0.0.1:$((port + 3)) ssl http2 backlog=8192;
    root $work/www;
    location = /hello { default_type text/plain; return 200 "hello\n"; }
    location / { if (\$request_method = POST) { return 200 "posted\n"; } }
  }
}
EOF
"${server_cpu[@]}" nginx -p "$work" -c "$work/nginx.conf" >"$work/logs/out" 2>&1 &
nginx_pid=$!
for _ in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { cat "$work/logs/out" >&2; die "nginx did not start"; }

p=$((port + https + 2 * (streams > 0)))
scheme=http
((https)) && scheme=https
url="$scheme://127.0.0.1:$p$path"
# Both tools: one thread, the same connections, duration and script.
common=(-t1 "-c$conns" "-d${secs}s")
[[ -n $script ]] && common+=(-s "$script")
vflags=()
((https)) && vflags+=(-k)
((streams)) && vflags+=(--http2 --streams "$streams")
vflags+=("${extra[@]}")
if ((streams)); then
	ref=h2load
	refcmd=(h2load -t1 "-c$conns" "-m$streams" "-D$secs" "$url")
	[[ -z $script ]] || die "-s: h2load runs no scripts"
else
	ref=wrk
	refcmd=(wrk "${common[@]}" "$url")
fi

# one TOOL RUN COMMAND...: runs the command on the generator's CPU under GNU time and appends a
# row "tool run requests req/s cpu_us/req rss_KiB errors" to rows. wrk and volley print wrk's
# report; h2load prints its own.
one() {
	local tool=$1 run=$2
	shift 2
	"${client_cpu[@]}" /usr/bin/time -f '%U %S %M' -o "$work/time" "$@" >"$work/out" 2>&1 || true
	local user sys rss
	# GNU time puts "Command exited with non-zero status N" first when the tool fails.
	read -r user sys rss < <(tail -n 1 "$work/time") || true
	awk -v tool="$tool" -v run="$run" -v user="${user:-0}" -v sys="${sys:-0}" -v rss="${rss:-0}" '
		function seconds(t) {
			sub(/,$/, "", t)
			if (t ~ /ms$/) return substr(t, 1, length(t) - 2) / 1000
			if (t ~ /us$/) return substr(t, 1, length(t) - 2) / 1e6
			if (t ~ /m$/) return substr(t, 1, length(t) - 1) * 60
			sub(/s$/, "", t); return t + 0
		}
		/ requests in / { n = $1; t = seconds($4) }                 # wrk, volley
		/Socket errors:/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) e += $i }
		/Non-2xx or 3xx responses:/ { e += $NF }
		/^finished in / { t = seconds($3) }                         # h2load
		/^requests: / { for (i = 2; i < NF; i++) {
			if ($(i + 1) ~ /^succeeded,?$/) n = $i
			if ($(i + 1) ~ /^(failed|errored|timeout),?$/) e += $i } }
		/^status codes: / { for (i = 3; i < NF; i++) if ($(i + 1) ~ /^[45]xx,?$/) e += $i }
		END {
			if (n + 0 == 0 || t + 0 == 0) { printf "%-7s %-3s (no report in its output)\n", tool, run > "/dev/stderr"; exit }
			printf "%-7s %-3s %10d %10.0f %12.2f %9d %8d\n", tool, run, n, n / t, (user + sys) * 1e6 / n, rss, e
		}' "$work/out" | tee -a "$work/rows"
	grep -qE ' requests in |^requests: ' "$work/out" || sed 's/^/    | /' "$work/out" | head -n 5
}

shape="$conns connections"
((streams)) && shape+=" x $streams streams"
echo "# $url, $shape, ${secs}s x $runs runs${script:+, script $(basename "$script")}; nginx on CPU 0, generator on CPU 1"
printf '%-7s %-3s %10s %10s %12s %9s %8s\n' tool run requests req/s cpu_us/req rss_KiB errors
for run in $(seq "$runs"); do
	one "$ref" "$run" "${refcmd[@]}"
	one volley "$run" "$volley" "${common[@]}" "${vflags[@]}" "$url"
done

# Medians per tool, then volley over the reference (below 1: volley spends less).
awk -v ref="$ref" '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	NF == 7 { k = $1; c = ++n[k]; rps[k, c] = $4; cpu[k, c] = $5; rss[k, c] = $6 }
	END {
		for (k in n) {
			for (i = 1; i <= n[k]; i++) { a[i] = rps[k, i]; b[i] = cpu[k, i]; d[i] = rss[k, i] }
			R[k] = median(a, n[k]); C[k] = median(b, n[k]); S[k] = median(d, n[k])
			printf "median %-7s req/s %.0f  cpu_us/req %.2f  rss_KiB %d\n", k, R[k], C[k], S[k]
		}
		if (!((ref in n) && ("volley" in n)) || C[ref] == 0 || R[ref] == 0 || S[ref] == 0) { print "no ratio: a tool completed no run"; exit 1 }
		printf "ratio volley/%s: cpu_us/req %.2f  req/s %.2f  rss %.2f\n", ref, C["volley"] / C[ref], R["volley"] / R[ref], S["volley"] / S[ref]
	}' "$work/rows"
