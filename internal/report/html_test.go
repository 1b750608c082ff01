package report

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"volley/internal/stats"
)

// htmlDocument is testDocument in rate mode, with hostile text where a
// server or a user can put it.
func htmlDocument() *Document {
	d := testDocument()
	d.Config.URL = `http://127.0.0.1:8080/<script>alert(1)</script>?a="b"&c`
	d.Result.Errors.Reasons[`</td><script>alert(2)</script>`+"\u202e"] = 1
	d.Result.Uncorrected = stats.NewHistogram()
	for v := range int64(1000) {
		d.Result.Uncorrected.Record(100 + v*v%3000)
	}
	d.Config.Rate = 500
	d.Config.Others = []OtherAddress{{Address: "127.0.0.2:9999", Threads: 1}}
	return d
}

func renderHTML(t *testing.T, d *Document) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestHTMLStructure(t *testing.T) {
	page := renderHTML(t, htmlDocument())
	if n := strings.Count(page, "<svg "); n != 4 {
		t.Errorf("%d plots, want 4", n)
	}
	for _, want := range []string{
		"Latency by percentile", "Requests per second", "Errors per second", "Latency over time",
		">90%<", ">99%<", ">99.9%<", ">99.99%<", // the 1/(1-p) axis
		">corrected<", ">uncorrected<", ">p50<", ">p99<",
		"<th>Requests</th><td>1065</td>", "<th>Target rate</th><td>500.00 req/s</td>",
		"&lt;script&gt;alert(1)&lt;/script&gt;", `\u202e`,
		"<th>Load also went to (--allow-net)</th><td>127.0.0.2:9999 (1 of 2 threads)</td>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Self-contained and inert: nothing to load, nothing to run.
	for _, re := range []string{`<script`, `(?i)\ssrc=`, `(?i)\shref=`, `(?i)url\(`, `(?i)@import`, `(?i)\son[a-z]+=`, "\u202e"} {
		if m := regexp.MustCompile(re).FindString(page); m != "" {
			t.Errorf("page contains %q", m)
		}
	}
	// No plot coordinate is NaN or infinite.
	if strings.Contains(page, "NaN") || strings.Contains(page, "Inf") {
		t.Error("page holds NaN or Inf")
	}
}

func TestHTMLEmptyRun(t *testing.T) {
	d := &Document{Config: RunConfig{URL: "http://h/", Runs: 1}, Result: stats.NewResult()}
	page := renderHTML(t, d)
	if n := strings.Count(page, ">no data<"); n != 4 {
		t.Errorf("an empty run shows %d empty plots, want 4", n)
	}
	if strings.Contains(page, "NaN") || strings.Contains(page, "Inf") {
		t.Error("page holds NaN or Inf")
	}
}

func TestAxes(t *testing.T) {
	a := latencyAxis(13_959)
	if a.max != 15_000 || len(a.ticks) != 4 || a.ticks[1].label != "5ms" {
		t.Errorf("latency axis %+v", a)
	}
	if a := latencyAxis(2_500_000); a.ticks[1].label != "0.5s" {
		t.Errorf("latency axis %+v", a)
	}
	if a := countAxis(12_345); a.max != 12_500 || a.ticks[1].label != "2.5k" {
		t.Errorf("count axis %+v", a)
	}
	if a := timeAxis(95); a.ticks[1].label != "10s" || a.ticks[len(a.ticks)-1].label != "1m30s" {
		t.Errorf("time axis %+v", a)
	}
	if a := timeAxis(7200); a.ticks[1].label != "15m" || a.ticks[4].label != "1h" {
		t.Errorf("time axis %+v", a)
	}
	for k, want := range []string{"0%", "90%", "99%", "99.9%", "99.99%"} {
		if got := ninesLabel(k); got != want {
			t.Errorf("ninesLabel(%d) = %q", k, got)
		}
	}
}

// chromium finds a headless-capable Chromium, "" if none.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestHTMLInBrowser opens the report in headless Chromium, as a person
// would: the page must load without console errors, build its four plots,
// and show them, which the screenshot's colours prove. It skips when
// Chromium is absent, unless VOLLEY_BROWSER_TEST=1 (scripts/html-browser-test.sh)
// demands it. With VOLLEY_SCREENSHOT_DIR set, the page and its screenshot
// are kept there for a look.
func TestHTMLInBrowser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		if os.Getenv("VOLLEY_BROWSER_TEST") == "1" {
			t.Fatal("chromium is not installed")
		}
		t.Skip("chromium is not installed (apt-get install -y chromium, or run scripts/html-browser-test.sh): the HTML report was not checked in a browser")
	}
	dir := t.TempDir()
	if keep := os.Getenv("VOLLEY_SCREENSHOT_DIR"); keep != "" {
		dir = keep
	}
	page := filepath.Join(dir, "report.html")
	shot := filepath.Join(dir, "report.png")
	_ = os.Remove(shot) // a screenshot kept from an earlier run must not count
	if err := os.WriteFile(page, []byte(renderHTML(t, htmlDocument())), 0o644); err != nil {
		t.Fatal(err)
	}
	browse := func(args ...string) (stdout, stderr string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
			"--disable-background-networking", "--disable-component-update", "--no-first-run",
			"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0", "--window-size=1200,2000"}
		cmd := exec.CommandContext(ctx, bin, append(append(base, args...), "file://"+page)...) //nolint:gosec // the browser found above, with our own arguments
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s", bin, err, errOut.String())
		}
		for _, bad := range []string{"Uncaught", "ERROR:CONSOLE", "Refused to", "net::ERR"} {
			if strings.Contains(errOut.String(), bad) {
				t.Errorf("browser reports %q:\n%s", bad, errOut.String())
			}
		}
		return out.String(), errOut.String()
	}

	dom, _ := browse("--dump-dom")
	if n := strings.Count(dom, "<svg "); n != 4 {
		t.Errorf("the loaded page has %d plots, want 4", n)
	}
	if n := strings.Count(dom, `<path class="line"`); n != 7 {
		t.Errorf("the loaded page has %d plot lines, want 7", n)
	}

	browse("--screenshot=" + shot)
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	// Every line colour must be on screen, in quantity: the plots are drawn.
	colours := map[string][3]int{
		"latency (blue)": {0x1f, 0x77, 0xb4}, "uncorrected, p99 (orange)": {0xff, 0x7f, 0x0e},
		"errors (red)": {0xd6, 0x27, 0x28}, "non-2xx (purple)": {0x94, 0x67, 0xbd}, "p50 (green)": {0x2c, 0xa0, 0x2c},
	}
	counts, nonWhite := countColours(img, colours)
	b := img.Bounds()
	if frac := float64(nonWhite) / float64(b.Dx()*b.Dy()); frac < 0.02 {
		t.Errorf("the screenshot is almost blank: %.2f%% of pixels are not white", 100*frac)
	}
	for name, n := range counts {
		if n < 150 {
			t.Errorf("the screenshot shows %d pixels of %s, want a drawn line", n, name)
		}
	}
}

// countColours counts the pixels close to each colour, and those not white.
func countColours(img image.Image, colours map[string][3]int) (map[string]int, int) {
	counts := map[string]int{}
	for name := range colours {
		counts[name] = 0
	}
	nonWhite := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			c := [3]int{int(r >> 8), int(g >> 8), int(bl >> 8)}
			if c[0] < 250 || c[1] < 250 || c[2] < 250 {
				nonWhite++
			}
			for name, want := range colours {
				d := 0
				for i := range 3 {
					d += (c[i] - want[i]) * (c[i] - want[i])
				}
				if d < 12*12 {
					counts[name]++
				}
			}
		}
	}
	return counts, nonWhite
}
