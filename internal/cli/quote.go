package cli

import "volley/internal/target"

// quote escapes and bounds user input for a one-line message.
func quote(s string) string { return target.Quote(s) }
