package cli

// Usage is the help text: wrk's layout, wrk's flags first, then volley's.
func Usage() string {
	return usageText
}

const usageText = `Usage: volley <options> <url> [script args...]
       volley <options> <url>...               (without a script)
       volley <options> --targets <file>
       volley demo [options]
       volley serve [--addr HOST:PORT] [--tls]
       volley merge [output options] <result.json>...
       volley kube-job --shards N [--image IMG] [--name NAME] [--namespace NS]
                       [--start-at T] [--cpu C] [--memory M] [-s FILE] <options> <url>
       volley completion bash|zsh|fish
  Options:
    -c, --connections      <N>  Connections to keep open (10)
    -d, --duration         <T>  Duration of test (10s)
    -t, --threads          <N>  Number of threads to use (2)

    -s, --script           <S>  Load Lua script file
    -H, --header           <H>  Add header to request
    -L, --latency               Print latency statistics
    -T, --timeout          <T>  Socket/request timeout (2s)
    -v, --version               Print version details
    -h, --help                  Print this help

    -k, --insecure              Skip TLS certificate verification
        --max-header-bytes <N>  Max response header bytes (64k)
        --max-headers      <N>  Max response header count (256)
        --max-request-bytes <N> Max bytes of a request, or of a script's
                                pipelined batch (4M)

    -R, --rate             <N>  Requests/sec over all connections: constant-rate
                                mode, latency corrected for coordinated omission
    -U, --u_latency             Also print uncorrected latency (with -R)
    -n, --requests         <N>  Run exactly N requests (-d then caps the time);
                                gives up after 5 x timeout without progress

        --allow-read       <P>  Let scripts read files under path P (repeatable)
        --allow-net        <H>  Let scripts reach HOST or HOST:PORT besides the
                                target (repeatable)
        --allow-write      <D>  Let scripts create and write files under directory D
                                (repeatable)
        --allow-env        <V>  Let scripts read environment variable V; P* grants
                                every variable starting with P (repeatable)
        --max-write-bytes  <N>  Bytes a script may write to files in a run (1G)
        --script-timeout   <T>  CPU time per request/response/delay call (100ms)
        --script-memory    <N>  Memory for a script's state (256M)

        --json             <F>  Write the result as JSON to file F (- for stdout:
                                the text report then goes to stderr)
        --html             <F>  Write an HTML report with plots to file F
        --hdr-log          <F>  Write an HdrHistogram interval log to file F
        --fail-on          <E>  Exit 3 unless E holds, e.g. p99<50ms, errors<0.1%,
                                rps>=1k (repeatable)
        --quiet                 No live progress line on stderr

        --shard          <I/N>  Run share I (from 0) of a test split in N shards
        --shards           <N>  The same, with I from $JOB_COMPLETION_INDEX
        --start-at         <T>  Start at this RFC 3339 time (shards in step)

    -m, --method           <M>  Request method (GET), without a script
    -b, --body             <S>  Request body (volley sets Content-Length)
        --body-file        <F>  Request body from file F (at most 64M)
        --targets          <F>  Requests from file F (- for stdin) in vegeta's
                                http format; may name several servers
        --unix-socket      <P>  Connect to Unix socket P (the URL still gives
                                Host and path)
        --connect-to <H:P:A:Q>  Connect to A:Q for H:P, as curl (repeatable)
        --proxy            <U>  HTTP proxy; by default $HTTPS_PROXY or
                                $HTTP_PROXY unless $NO_PROXY names the host
        --cacert           <F>  Trust the CA certificates in PEM file F
        --cert             <F>  Client certificate, PEM (with --key): mTLS
        --key              <F>  The client certificate's private key, PEM
        --tls-min          <V>  Lowest TLS version: 1.2 (default) or 1.3
    --no-session-resumption     A full TLS handshake on every connection
        --http2                 HTTP/2: h2 (TLS, ALPN) for https://, h2c with
                                prior knowledge for http://; no fallback
        --streams          <N>  Concurrent streams per HTTP/2 connection (1)

  Numeric arguments may include a SI unit (1k, 1M, 1G)
  Time arguments may include a time unit (2s, 2m, 2h, 100ms, 50us);
    fractions are allowed (1.5s, 0.5m) and a bare number is seconds
  Byte sizes use binary units (64k = 65536)
  Script args follow the URL (after -- when one starts with -, since flags
    may follow the URL too); init(args) gets the URL as args[0], then them
  volley demo benchmarks a built-in local server (-t2 -c50 -d3s)
  volley serve runs that server alone (volley serve -h lists its routes)
  Several URLs or targets: connections are split among the servers in
    proportion to their requests; each connection sends its requests in turn
  volley merge reports several --json results as one run (-L and the
    output options apply)
  volley kube-job prints a Kubernetes Indexed Job that runs the test as N
    shards started together (see deploy/kubernetes/README.md):
      --image IMG        the container image with volley in it
      --shards N         pods that share the test, one shard each
      --name, --namespace  the Job's name (volley) and namespace
      --start-at T       when the shards start (default: a minute from now)
      --cpu C            CPU each pod requests, as a Kubernetes quantity (2,
                         500m); no CPU limit, so a shard is never throttled
      --memory M         memory each pod requests, also its limit (512Mi)
      -s FILE            the script, shipped to the pods in a ConfigMap
  volley completion prints a completion script for bash, zsh or fish
  --fail-on metrics: p50 p90 p99 p99.9 pNN mean max min stdev (with a
    time unit), rps, requests, errors non2xx timeouts connect_errors
    read_errors write_errors (a count or a %)
`
