-- saved on Windows: CRLF line ends, and a trailing blank line
wrk.method = "PUT"

