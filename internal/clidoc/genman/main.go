// Command genman writes volley's man page (make docs, or go generate ./internal/clidoc).
package main

import (
	"flag"
	"fmt"
	"os"

	"volley/internal/clidoc"
)

func main() {
	out := flag.String("o", "docs/volley.1", "the man page's file")
	flag.Parse()
	if err := os.WriteFile(*out, []byte(clidoc.ManPage()), 0o644); err != nil { //nolint:gosec // G306: a documentation file in the repository
		fmt.Fprintln(os.Stderr, "genman:", err)
		os.Exit(1)
	}
}
