module volley

go 1.26.0

toolchain go1.26.11

require (
	github.com/HdrHistogram/hdrhistogram-go v1.4.0
	github.com/spf13/pflag v1.1.0
	github.com/yuin/gopher-lua v1.1.2
	golang.org/x/net v0.63.0
	golang.org/x/sys v0.50.0
)

replace github.com/yuin/gopher-lua => ./third_party/gopher-lua
