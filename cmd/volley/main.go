// Command volley is a wrk-compatible HTTP load generator.
package main

import (
	"os"

	"volley/internal/app"
)

// version is set by release builds: -ldflags "-X main.version=1.2.3".
var version string

func main() {
	if version != "" {
		app.Version = version
	}
	os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr))
}
